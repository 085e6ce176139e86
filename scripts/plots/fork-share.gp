# fork-share.gp: memory of N processes sharing one read-only image: the sum
# of their PSS (solid) next to the sum of their RSS, which is what N private
# copies would hold (light). Callers (scripts/report) set: dir, out,
# datafile (columns label, backend, pss_mib, naive_mib, image_mib; one row
# per run, in the order of runs), runs, titles, children (N).
load dir . "/palette.gp"
n = words(runs)
set title "fork-share: " . children . " processes sharing one image: total PSS (solid) vs N x RSS (light)"
set ylabel "MiB"
set xrange [0.4:n + 0.6]
set yrange [0:*]
set xtics rotate by -30 left ()
do for [i = 1:n] { set xtics add (word(titles, i) i) }
set key off
set style fill solid 0.85 border -1
set boxwidth 0.38
plot for [i = 1:n] datafile every ::(i - 1)::(i - 1) \
		using (i - 0.2):"pss_mib" with boxes lc rgb color(word(runs, i)), \
	for [i = 1:n] datafile every ::(i - 1)::(i - 1) \
		using (i + 0.2):"naive_mib" with boxes fs transparent solid 0.3 lc rgb color(word(runs, i)), \
	for [i = 1:n] datafile every ::(i - 1)::(i - 1) \
		using (i - 0.2):"pss_mib":(sprintf("%.1f", column("pss_mib"))) with labels offset 0, 0.7 font ",9", \
	for [i = 1:n] datafile every ::(i - 1)::(i - 1) \
		using (i + 0.2):"naive_mib":(sprintf("%.1f", column("naive_mib"))) with labels offset 0, 0.7 font ",9"
