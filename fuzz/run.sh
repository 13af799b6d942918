#!/usr/bin/env bash
# Run the cargo-fuzz targets, each for a set time, and print executions per second and corpus size.
#
#   fuzz/run.sh [SECONDS] [TARGET...]     default 300 s each; targets: plan journal seed request (all)
#
# The targets live in two cargo-fuzz crates: plan and journal (the tool) in fuzz/, seed and request (the
# emulator) in crates/lfv-emulator/fuzz/; below, DIR is the target's crate.
# Needs the nightly toolchain and cargo-fuzz (`cargo install cargo-fuzz`); CI does not run this.
# The corpus of each target lives in DIR/corpus/<target> (gitignored: it grows with every run). It is seeded
# from the committed seeds in DIR/seeds/<target>, and the plan target also from plans/*.json. Crashes are
# written to DIR/artifacts/<target>/ and the run of that target stops there; logs go to DIR/logs/<target>.log.
# Builds use debug assertions (overflow checks on) and no sanitizer: the crates forbid `unsafe`, so the bugs to
# find are panics, overflows, hangs (over 10 s per input) and memory blow-ups (over 2 GiB).
set -euo pipefail

secs=${1:-300}
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    targets=(plan journal seed request)
fi
case $secs in
    '' | *[!0-9]*) echo "run.sh: SECONDS must be a whole number, not '$secs'" >&2; exit 2 ;;
esac

# The crate of a target, from the repository root.
dir_of() {
    case $1 in
        plan | journal) echo fuzz ;;
        seed | request) echo crates/lfv-emulator/fuzz ;;
        *) echo "run.sh: unknown target '$1' (targets: plan journal seed request)" >&2; exit 2 ;;
    esac
}

cd "$(dirname "$0")/.."
root=$PWD
built=()
for t in "${targets[@]}"; do
    d=$(dir_of "$t")
    case " ${built[*]} " in
        *" $d "*) ;;
        *)
            (cd "$d" && mkdir -p logs && cargo +nightly fuzz build --debug-assertions --sanitizer none)
            built+=("$d")
            ;;
    esac
done

status=0
summary=()
for t in "${targets[@]}"; do
    d=$(dir_of "$t")
    cd "$root/$d"
    mkdir -p "corpus/$t"
    cp -n seeds/"$t"/* "corpus/$t/" 2>/dev/null || true
    if [ "$t" = plan ]; then
        for p in "$root"/plans/*.json; do cp -n "$p" "corpus/$t/" 2>/dev/null || true; done
    fi
    echo "== $t: ${secs}s" >&2
    set +e
    cargo +nightly fuzz run --debug-assertions --sanitizer none "$t" "corpus/$t" -- \
        -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
        >"logs/$t.log" 2>&1
    rc=$?
    set -e
    execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "logs/$t.log" | grep -o '[0-9]*$' || echo 0)
    rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "logs/$t.log" | grep -o '[0-9]*$' || echo 0)
    files=$(find "corpus/$t" -type f | wc -l)
    bytes=$(du -sk "corpus/$t" | cut -f1)
    verdict=clean
    if [ $rc -ne 0 ]; then
        verdict="FAILED (exit $rc; see $d/logs/$t.log and $d/artifacts/$t/)"
        status=1
    fi
    summary+=("$(printf '%-8s %8s s %12s execs %8s execs/s %7s files %7s KiB  %s' \
        "$t" "$secs" "$execs" "$rate" "$files" "$bytes" "$verdict")")
done
printf '%s\n' "target   duration     executions      rate        corpus           result" "${summary[@]}"
exit $status
