#include "cli.hpp"

#include <cstdio>
#include <cstdlib>
#include <limits>

#include <CLI/CLI.hpp>

namespace bench {

Cli::Cli(std::string name, std::string description)
    : name_(std::move(name)), app_(std::make_unique<CLI::App>(std::move(description), name_)) {}

Cli::~Cli() = default;

Cli& Cli::text(const std::string& flag, std::string& value, const std::string& help) {
  app_->add_option(flag, value, help)->capture_default_str();
  return *this;
}

Cli& Cli::integer(const std::string& flag, long& value, long least, long most, const std::string& help) {
  app_->add_option(flag, value, help)->capture_default_str()->check(CLI::Range(least, most));
  return *this;
}

Cli& Cli::positive(const std::string& flag, double& value, const std::string& help) {
  // (CLI11's PositiveNumber and Range print the whole of DBL_MAX in their messages.)
  const CLI::Validator above_zero(
      [](std::string& text) {
        char* end = nullptr;
        const double v = std::strtod(text.c_str(), &end);
        return end == text.c_str() + text.size() && v > 0 && v <= 1e300 ? std::string() : "expected a number above 0, got '" + text + "'";
      },
      "NUMBER > 0");
  app_->add_option(flag, value, help)->capture_default_str()->check(above_zero);
  return *this;
}

Cli& Cli::integers(const std::string& flag, std::vector<long>& values, long least, long most, const std::string& help) {
  app_->add_option(flag, values, help)
      ->capture_default_str()
      ->delimiter(',')
      ->expected(1, std::numeric_limits<int>::max())
      ->check(CLI::Range(least, most));
  return *this;
}

void Cli::parse(int argc, char** argv) {
  try {
    app_->parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    std::fputs(app_->help().c_str(), stdout);
    std::exit(0);
  } catch (const CLI::ParseError& e) {
    fail(e.what());
  }
}

void Cli::fail(const std::string& what) const {
  std::fprintf(stderr, "%s: %s\n%s", name_.c_str(), what.c_str(), app_->help().c_str());
  std::exit(2);
}

}  // namespace bench
