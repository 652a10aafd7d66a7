// Files in and out: whole-file reads, JSON with located parse errors, and atomic writes.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace lstmf {

// The whole file ("-" = stdin). Throws IoError naming the file when it cannot be read, InputError
// for a NUL byte (binary data), MemoryError when the text is over half of the memory available (a
// regular file's size before it is read; a stream's, stdin or a fifo, every 256 MiB as it is read).
std::string read_text(const std::string& path);

// "UTF-32" or "UTF-16" when `text` begins with that encoding's byte-order mark, "UTF-32LE",
// "UTF-32BE", "UTF-16LE" or "UTF-16BE" when it begins as ASCII written in that encoding would (NULs
// between the characters), else nullptr: a file in the wrong encoding, named as iconv -f takes it.
const char* wide_unicode(std::string_view text);

// read_text of a JSON file: from a stream (stdin, a fifo), text that cannot begin JSON is refused
// as soon as its first line is read, and nesting deeper than `max_depth` where it is, not after
// the whole stream.
std::string read_json_text(const std::string& path, int max_depth = 64);

// How messages name the file `path`: "<stdin>" for "-", else `path` itself.
std::string source_name(const std::string& path);

// Parses JSON text. A syntax error is an InputError "source:line:column: ..."; nesting deeper
// than `max_depth` is refused before parsing, so no input can exhaust the stack.
// `skip`: names of top-level members whose value, when an object or array, is read as null
// without being parsed (only its strings and nesting are scanned): a reader that needs a small part
// of a large file (predict and a checkpoint's optimizer state) skips the rest.
// `filter`: nlohmann's parser callback (depth, event, value -> keep?), called after the duplicate-key
// check, so a reader can drop parts it does not need while parsing (a many-series checkpoint's
// unselected series).
// `items`: members of the objects in a top-level array read as null unparsed, as `skip` reads
// top-level members: in the array value of top-level member `array`, an object item's members
// named in `members` (objects or arrays) when its member `id`, written before them as a string
// without escapes, is one `keep` turns down. A many-series checkpoint's unselected series are 97%
// weights and intervals, which predict --series never uses: one series of 10,000 took 2.8 s.
// Unparsed, a skipped value is not checked but for its strings and nesting depth: a bad number,
// a mismatched bracket or a duplicate key in it goes unnoticed (as in a skipped top-level member).
using JsonFilter = nlohmann::json::parser_callback_t;
struct JsonItemSkip {
  std::string array;
  std::string id;
  std::vector<std::string> members;
  std::function<bool(std::string_view id)> keep;
};
nlohmann::json parse_json(const std::string& text, const std::string& source, int max_depth = 64,
                          const std::vector<std::string>& skip = {}, const JsonFilter& filter = nullptr,
                          const JsonItemSkip* items = nullptr);
// Line and column (1-based) of byte offset `offset` in `text`, the column as a terminal shows it
// (error.hpp display_columns, a tab to the next multiple of 8): how every message about JSON text
// places what it names.
void locate(std::string_view text, size_t offset, long& line, long& column);
// Where each object key of JSON `text` stands: its dotted path ("training.lr"; keys inside arrays
// are left out) -> the line and column (1-based) of its opening quote; (0, 0) for a path two keys
// spell (a key holding a dot). For messages about a key of a small file (a config): one pass.
// `text` must be valid JSON (parse it first).
std::map<std::string, std::pair<long, long>> json_key_places(std::string_view text);

// Empties `value` from its innermost containers outwards, freeing as it goes and allocating
// nothing. nlohmann's destructor first moves a container's children onto a vector it allocates (as
// long as the longest array): a large document destroyed after memory ran out (a std::bad_alloc
// while it was built or held) terminated the program (exit 134) instead of exit 5. Nesting is
// bounded by the readers' depth limit.
void release_without_allocating(nlohmann::json& value);
// A document released so when it goes out of scope (a checkpoint's root, while it is read).
class ReleaseWithoutAllocating {
 public:
  explicit ReleaseWithoutAllocating(nlohmann::json& value) : value_(value) {}
  ~ReleaseWithoutAllocating() { release_without_allocating(value_); }
  ReleaseWithoutAllocating(const ReleaseWithoutAllocating&) = delete;
  ReleaseWithoutAllocating& operator=(const ReleaseWithoutAllocating&) = delete;

 private:
  nlohmann::json& value_;
};
// InputError at the first number of JSON `text` (outside strings) that is not 0 but nearer 0 than
// a double holds (1e-400): the parser reads it as 0 without a word. For small files (configs).
void refuse_json_underflow(std::string_view text, const std::string& source);
// A file ("-" = stdin) mapped into memory and parsed as parse_json does. A file of `large_file`
// bytes or more is not populated up front, and the pages both passes (depth scan, parse) have
// read are handed back as they go (a quarter of `large_file` at a time), so reading a few series
// of a many-series checkpoint of gigabytes keeps its resident memory to that window.
constexpr std::size_t kLargeJsonFile = std::size_t{64} << 20;
nlohmann::json read_json_file(const std::string& path, int max_depth = 64, const std::vector<std::string>& skip = {},
                              const JsonFilter& filter = nullptr, std::size_t large_file = kLargeJsonFile,
                              const JsonItemSkip* items = nullptr);
// The path of the file read_json_file holds mapped at this moment ("" for none; NUL-terminated,
// cut at 4095 bytes), for a SIGBUS handler's message: reading a page of a mapped file that another
// process has truncated meanwhile raises SIGBUS, which no exception can report. Safe to read in a
// signal handler.
const char* mapped_file_path() noexcept;

// Throws InputError when output file `output` (given by flag `output_flag`) is the same file as one
// of `others` ({flag, path}: the inputs, or another output), which writing it would destroy: the
// same existing file (device and inode), or the same absolute path. Empty paths never clash; an
// output "-" clashes with an input only when stdout is that regular file (`predict --model m.json
// >> m.json`).
void check_distinct(const std::string& output_flag, const std::string& output,
                    const std::vector<std::pair<std::string, std::string>>& others);
// True when `path` is "-", or names the file or pipe stdout is (/dev/stdout, or the file stdout
// was redirected to); a terminal or /dev/null is shared freely, so false.
bool writes_stdout(const std::string& path);
// True when `path` names a pipe (a FIFO, or bash's >(...) as /dev/fd/N).
bool is_fifo(const std::string& path);
// The identity (device, inode) of the file an input path names, as check_distinct compares them:
// the file itself, or for "-" the regular file stdin reads (`< a.csv`); nullopt when it names none.
// Two paths of one identity name one file (another spelling, a link).
std::optional<std::pair<std::uint64_t, std::uint64_t>> input_identity(const std::string& path);
// The descriptor a path names by its spelling: /dev/stdin 0, /dev/stdout 1, /dev/stderr 2,
// /dev/fd/N and /proc/self/fd/N N; nullopt for any other path (whether it is open is not asked).
std::optional<int> descriptor_named(const std::string& path);
// True when reading `path` reads the stream stdin is: "-", or a path to the same pipe, terminal or
// device (/dev/stdin, /dev/fd/0, /proc/thread-self/fd/0, /dev//stdin) when stdin is no regular
// file (a regular file each reopens from its start).
bool reads_stdin(const std::string& path);
// Throws InputError when more than one of `inputs` ({flag, path}) reads stdin (reads_stdin): a
// stream can be read once.
//   "--model - and --input - both read stdin; give one of them as a file"
void check_stdin_once(const std::vector<std::pair<std::string, std::string>>& inputs);
// Throws InputError when two outputs name the same file (whether or not it exists yet), or both
// write stdout (writes_stdout).
void check_distinct_outputs(const std::string& flag_a, const std::string& a, const std::string& flag_b, const std::string& b);

// Where an output named `given` is written: a symbolic link is followed to its target (written
// through: the target is replaced, the link stays), also when the target does not exist yet; a link
// into /dev or /proc (/dev/stdout, /dev/fd/63 from bash's >(...)) is kept, and written in place
// like the device or pipe it names.
std::string output_target(const std::string& given);

// Writes `content` to `path` so that readers see the old file or the whole new one, never a part:
// a temporary file `path.lstmf-tmp.XXXXXX` in the same folder, flushed and fsync'ed, then renamed over
// `path`. The writer holds an exclusive flock on its temporary file until the rename, and first
// removes stale temporaries of `path` (see remove_stale_temporaries). Two processes writing the
// same path at once each rename a complete file: the last rename wins. "-" writes to stdout.
// Throws IoError naming the path (missing folder, no permission, disk full).
void write_atomically(const std::string& path, const std::string& content);

// Removes the temporary files `path.lstmf-tmp.XXXXXX` that a killed writer left behind: those no live
// writer holds locked (a writer that loses its file before it holds the lock makes another).
// Returns how many it removed; never throws (a file it cannot remove stays, and readers never look
// at temporaries anyway).
int remove_stale_temporaries(const std::string& path);
// Removes the temporary files this process is writing (StagedFile's, not yet renamed into place).
// Async-signal-safe: for a signal handler about to _exit (SIGINT, SIGTERM), so an interrupted run
// leaves no temporary behind rather than one the next run removes.
void remove_live_temporaries() noexcept;

// Checks up front that `path` can be written (its folder exists and is writable), so a long job
// fails before it starts rather than after. "-" always passes.
void check_writable(const std::string& path);

}  // namespace lstmf

#include <functional>

namespace lstmf {

// write_atomically for content too large to hold at once: `produce` is called once and appends the
// content piece by piece through the function it is given. Same guarantees; "-" writes to stdout.
using AppendText = std::function<void(const std::string& piece)>;
void write_atomically_streamed(const std::string& path, const std::function<void(const AppendText& append)>& produce);

// Two outputs that go together (a checkpoint and its training log): each is staged, written in
// full and fsync'ed beside its path, and renamed into place by commit(), so a failure while
// writing either leaves both old files as they were. A staged file not committed is removed when
// it goes out of scope. stdout, a device or a pipe is written in place by commit() (its content is
// held in memory until then). Throws IoError as write_atomically does.
class StagedFile {
 public:
  StagedFile(const std::string& path, const std::function<void(const AppendText& append)>& produce);
  StagedFile(const StagedFile&) = delete;
  StagedFile& operator=(const StagedFile&) = delete;
  ~StagedFile();
  void commit();
  // Writes `companion` (the other output) and then commits, so a companion that fails leaves this
  // file's old content; written in place (a pipe, whose reader may read it before the companion's),
  // this one is committed first.
  void commit_with(const std::function<void()>& companion);

 private:
  void discard();
  std::string path_;     // where it goes ("-" = stdout)
  std::string temp_;     // the temporary file beside it
  int fd_ = -1;          // open and locked until commit or discard
  int live_ = -1;        // its slot among the live temporaries (remove_live_temporaries), -1 for none
  bool in_place_ = false;
  // In place: the content, written by commit; kept as the pieces produced (one string grown
  // piece by piece held up to twice the text: a 1.1 GB checkpoint on stdout peaked at 3.5 GB).
  std::vector<std::string> pending_;
};

}  // namespace lstmf
