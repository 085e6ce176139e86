# palette.gp: what every figure shares. Each backend has one colour in every
# plot (its registry colour); baselines are dashed, strategies solid. The
# backend list itself is not written here: callers set `registry`, a file
# generated from common/backends.list (backend_names, backend_colors,
# baselines), which this file loads.
reset
set datafile separator comma
set datafile missing ""
set termoption noenhanced
MiB = 1048576.0
load registry
bidx(b) = sum [i = 1:words(backend_names)] (word(backend_names, i) eq b ? i : 0)
color(b) = bidx(b) > 0 ? word(backend_colors, bidx(b)) : "#999999"
is_base(b) = strstrt(baselines, " " . b . " ") > 0
set grid ytics lc rgb "#dddddd"
set border 3
set tics nomirror
