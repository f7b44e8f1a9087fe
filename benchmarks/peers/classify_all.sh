#!/bin/sh
# The peers on every table of tables.txt (run from the repository root, ../shared beside it), for each seed given
# (default 42; PYTHON names the interpreter, default python3): benchmarks/peers/classify_all.sh 42 1 2 3 4
for seed in ${*:-42}; do
  while IFS='|' read -r name file label positive id ignore; do
    ${PYTHON:-python3} benchmarks/peers/classify_peers.py --seed "$seed" --label "$label" --positive "$positive" ${id:+--id "$id"} ${ignore:+--ignore "$ignore"} "$file"
  done < benchmarks/peers/tables.txt
done
