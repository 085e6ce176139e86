# microbench.gp: the allocation fast path per backend, with the two
# references measured in the same process.
# Usage: gnuplot -e "dir='DIR'" scripts/plots/microbench.gp
set datafile separator ","
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set key top left
set grid ytics
set logscale y
set ylabel "ns per allocation, log scale (lower is better)"
set xlabel "backend"
set title "Allocation fast path, 16-byte objects: region\\_alloc vs a raw bump pointer vs glibc malloc+free"
do for [fmt in "png svg"] {
	if (fmt eq "png") { set terminal pngcairo size 1100,600 } else { set terminal svg size 1100,600 dynamic }
	set output dir."/plots/microbench.".fmt
	f = dir."/fastpath.csv"
	plot f using "alloc16_ns":xtic(1) title "region\\_alloc", \
		f using "limit_bump16_ns" title "raw bump pointer (the limit)", \
		f using "libc_malloc_free16_ns" title "glibc malloc + free"
}
