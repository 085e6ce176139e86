# palette.gp: what every figure shares. Each backend has one colour in every
# plot; baselines (glibc, jemalloc, mimalloc, apr) are dashed, strategies
# solid; a strategy's further policies get dot-dash, dots, ... in its colour.
# Callers set: out (output path without extension).
reset
set datafile separator comma
set termoption noenhanced
MiB = 1048576.0
backend_names = "blocks blocks-gs contiguous wide-offsets glibc jemalloc mimalloc apr"
backend_colors = "#0072b2 #56b4e9 #d55e00 #009e73 #4d4d4d #cc79a7 #b89b00 #8c564b"
baselines = " glibc jemalloc mimalloc apr "
bidx(b) = sum [i = 1:words(backend_names)] (word(backend_names, i) eq b ? i : 0)
color(b) = bidx(b) > 0 ? word(backend_colors, bidx(b)) : "#999999"
is_base(b) = strstrt(baselines, " " . b . " ") > 0
# k: 0 when the backend has one run in the figure, else the place of the
# run's policy among the backend's policies (1, 2, ...): lines of several
# policies also carry a point type per policy.
dash(b, k) = is_base(b) ? (k <= 1 ? 2 : (k == 2 ? "__  .  " : "__  .  .  ")) \
	: (k <= 1 ? 1 : (k == 2 ? 3 : (k == 3 ? 4 : 5)))
bar_dash(b) = is_base(b) ? 2 : 1   # bars of baselines get dashed borders
ptype(k) = k < 1 ? 7 : int(word("7 5 9 11 13 15 4 6", (k - 1) % 8 + 1))
psize(k) = k < 1 ? 0 : 1.1
set grid ytics lc rgb "#dddddd"
set border 3
set tics nomirror
