#!/usr/bin/env python3
"""Level series with a season longer than the recipe's windows, for the accuracy protocol.

Writes OUT_DIR with cuts of two bundled series that keep to one level (min-max) about a season:
weekly means of data/min-temperatures.csv (a yearly cycle, m = 52, h = 13; 80 to 110 weeks, dated
7 days apart) and hourly data/beijing-pm25.csv (a daily cycle, m = 24, h = 24; 40 to 70 hours),
and their meta.json. On so few rows the recipe's look-back is shorter than the season, so no
window holds it (README "The default recipe": such a series that shows its season takes seasonal
naive).

    bench/level-season-set.py /tmp/level-season
    build/lstm-forecast evaluate --protocol /tmp/level-season --json-file level-season.json
"""
import argparse
import csv
import datetime
import json
import os


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out_dir")
    parser.add_argument("--data", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data"),
                        help="the folder holding min-temperatures.csv and beijing-pm25.csv (default: data/)")
    args = parser.parse_args()
    os.makedirs(args.out_dir, exist_ok=True)
    meta = {}

    def write(name, header, rows, target, frequency, m, h):
        with open(os.path.join(args.out_dir, name), "w") as f:
            f.write(header + "\n")
            for time, value in rows:
                f.write("%s,%s\n" % (time, value))
        meta[name] = {"target": target, "frequency": frequency, "m": m, "h": h}

    days = list(csv.reader(open(os.path.join(args.data, "min-temperatures.csv"))))[1:]
    weeks = []
    for k, i in enumerate(range(0, len(days) - 6, 7)):
        values = [float(row[1]) for row in days[i:i + 7] if row[1]]
        weeks.append(((datetime.date(1981, 1, 5) + datetime.timedelta(weeks=k)).isoformat(),
                      round(sum(values) / len(values), 3)))
    for n in (80, 90, 100, 110):
        for start in range(5, 400, 37):
            write("temp-weekly-%d-%d.csv" % (start, n), "date,temp", weeks[start:start + n + 13], "temp", "weekly", 52, 13)

    hours = [(row[0], row[1]) for row in list(csv.reader(open(os.path.join(args.data, "beijing-pm25.csv"))))[1:]]
    for n in (40, 50, 60, 70):
        for start in range(500, 8500, 800):
            cut = hours[start:start + n + 24]
            if all(value for _, value in cut):  # no missing value in the cut
                write("pm25-hourly-%d-%d.csv" % (start, n), "date,pm25", cut, "pm25", "hourly", 24, 24)

    with open(os.path.join(args.out_dir, "meta.json"), "w") as f:
        json.dump(meta, f, indent=1)
    print("%d series in %s" % (len(meta), args.out_dir))


if __name__ == "__main__":
    main()
