// Command report turns the raw output of BenchmarkSession into RESULTS.md:
// one table per scenario with the median ns/op, B/op and allocs/op of each
// library, framework and store, each row's ratio to serversession on the
// same framework and kind of store, a check of the performance targets, the
// machine, and the wrk section if one was recorded.
//
//	go run ./cmd/report -raw results/raw.txt -machine results/machine.txt \
//	    -wrk results/wrk.md -out RESULTS.md
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"log"
	"math"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

func main() {
	raw := flag.String("raw", "results/raw.txt", "raw `go test -bench` output")
	machine := flag.String("machine", "results/machine.txt", "machine description (key: value lines), optional")
	wrk := flag.String("wrk", "results/wrk.md", "wrk section in Markdown, optional")
	out := flag.String("out", "RESULTS.md", "where to write the report")
	note := flag.String("note", "", "a note printed at the top, e.g. that the run is preliminary (default: the contents of -notefile)")
	noteFile := flag.String("notefile", "results/note.txt", "where run.sh keeps the note, optional")
	command := flag.String("command", "./run.sh", "the command that reproduces the run")
	flag.Parse()

	f, err := os.Open(*raw)
	if err != nil {
		log.Fatal(err)
	}
	res, err := parse(f)
	f.Close()
	if err != nil {
		log.Fatal(err)
	}
	if len(res.rows) == 0 {
		log.Fatalf("%s holds no BenchmarkSession results", *raw)
	}
	if *note == "" {
		*note = optional(*noteFile)
	}
	var b strings.Builder
	render(&b, res, optional(*machine), optional(*wrk), *note, *command)
	if err := os.WriteFile(*out, []byte(b.String()), 0o644); err != nil {
		log.Fatal(err)
	}
}

func optional(path string) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(data))
}

// key names a row: a library on a store, in one scenario.
type key struct{ lib, store, scenario string }

// row holds every sample of one benchmark.
type row struct {
	key
	samples map[string][]float64 // unit → values
	skipped string               // why it did not run
}

type results struct {
	rows  map[key]*row
	order []key // first appearance
	count int   // samples per benchmark (the largest seen)
	cpu   string
}

var nameRE = regexp.MustCompile(`^BenchmarkSession/lib=([^/]+)/store=([^/]+)/scenario=([^/\s]+?)(?:-\d+)?$`)

// parse reads `go test -bench` output.
func parse(r io.Reader) (*results, error) {
	res := &results{rows: map[key]*row{}}
	get := func(k key) *row {
		if rw, ok := res.rows[k]; ok {
			return rw
		}
		rw := &row{key: k, samples: map[string][]float64{}}
		res.rows[k] = rw
		res.order = append(res.order, k)
		return rw
	}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	var pendingSkip *row
	for sc.Scan() {
		line := sc.Text()
		if pendingSkip != nil {
			if why, ok := strings.CutPrefix(line, "    "); ok {
				if i := strings.Index(why, ": "); i >= 0 && strings.Contains(why[:i], ".go:") {
					why = why[i+2:]
				}
				pendingSkip.skipped = strings.TrimSpace(why)
			}
			pendingSkip = nil
		}
		if cpu, ok := strings.CutPrefix(line, "cpu: "); ok {
			res.cpu = cpu
			continue
		}
		if name, ok := strings.CutPrefix(line, "--- SKIP: "); ok {
			if m := nameRE.FindStringSubmatch(strings.TrimSpace(strings.Split(name, " (")[0])); m != nil {
				pendingSkip = get(key{m[1], m[2], m[3]})
			}
			continue
		}
		fields := strings.Fields(line)
		if len(fields) < 4 || !strings.HasPrefix(fields[0], "BenchmarkSession/") {
			continue
		}
		m := nameRE.FindStringSubmatch(fields[0])
		if m == nil {
			continue
		}
		rw := get(key{m[1], m[2], m[3]})
		for i := 2; i+1 < len(fields); i += 2 {
			v, err := strconv.ParseFloat(fields[i], 64)
			if err != nil {
				return nil, fmt.Errorf("%s: bad value %q", fields[0], fields[i])
			}
			rw.samples[fields[i+1]] = append(rw.samples[fields[i+1]], v)
		}
		res.count = max(res.count, len(rw.samples["ns/op"]))
	}
	return res, sc.Err()
}

func median(xs []float64) (float64, bool) {
	if len(xs) == 0 {
		return 0, false
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if n := len(s); n%2 == 1 {
		return s[n/2], true
	} else {
		return (s[n/2-1] + s[n/2]) / 2, true
	}
}

func (rw *row) median(unit string) (float64, bool) {
	if rw == nil {
		return 0, false
	}
	return median(rw.samples[unit])
}

// framework and kind of a library and store.
func framework(lib string) string {
	lib = strings.TrimSuffix(lib, "-indexed")
	switch {
	case strings.HasSuffix(lib, "-gin"), lib == "gincontrib":
		return "gin"
	case strings.HasSuffix(lib, "-echo"), lib == "echocontrib":
		return "echo"
	case strings.HasSuffix(lib, "-echo5"):
		return "echo5"
	case strings.HasSuffix(lib, "-http"), lib == "scs":
		return "net/http"
	}
	return "?"
}

// oursFor is the serversession row a row is compared with: the same
// framework, on redisstore without the client-side cache for Redis rows
// (the Redis floor's and our cached rows included) and on memstore for
// every other (in-memory, filesystem, cookie, and the bare floor).
func oursFor(k key) key {
	lib := map[string]string{"gin": "ours-gin", "echo": "ours-echo", "echo5": "ours-echo5", "net/http": "ours-http"}[framework(k.lib)]
	store := "mem"
	if strings.HasPrefix(k.store, "redis") {
		store = "redis"
	}
	return key{lib, store, k.scenario}
}

func isOurs(lib string) bool { return strings.HasPrefix(lib, "ours-") }
func isBare(lib string) bool { return strings.HasPrefix(lib, "bare-") }

// isCached reports a store with go-redis's client-side cache on.
func isCached(store string) bool { return store == "redis-cached" }

// isFloor reports a Redis floor row: a bare handler making a session's
// Redis round trips by hand, and nothing else.
func isFloor(lib string) bool { return strings.HasPrefix(lib, "floor-") }

var scenarioOrder = []string{"untouched", "read", "rmw", "create", "large"}

var scenarioText = map[string]string{
	"untouched": "the route never reads the session; the request carries a session cookie",
	"read":      "read one int from an existing session",
	"rmw":       "read-modify-write: increment an int in an existing session",
	"create":    "a new visitor (no cookie) gets a session holding one value",
	"large":     "read-modify-write on a session of 50 more keys (about 4 KB encoded)",
}

var libText = map[string]string{
	"ours-gin":         "serversession (ginsession)",
	"ours-gin-indexed": "serversession (ginsession), user index on",
	"ours-echo":        "serversession (echosession)",
	"ours-echo5":       "serversession (echosession/v5)",
	"ours-http":        "serversession (httpsession)",
	"gincontrib":       "gin-contrib/sessions",
	"echocontrib":      "echo-contrib/session",
	"scs":              "alexedwards/scs v2",
	"bare-gin":         "bare handler (floor)",
	"bare-echo":        "bare handler (floor)",
	"bare-echo5":       "bare handler (floor)",
	"bare-http":        "bare handler (floor)",
	"floor-gin":        "bare handler + raw Redis round trips (Redis floor)",
}

var storeText = map[string]string{
	"mem":          "memory",
	"redis":        "Redis",
	"redis-cached": "Redis, client-side cache on",
	"redis-cas":    "Redis, EVALSHA compare-and-set", // the Redis floor's conditional rmw
	"fs":           "filesystem",
	"cookie":       "cookie (reference)",
	"none":         "—",
}

func render(b *strings.Builder, res *results, machine, wrk, note, command string) {
	fmt.Fprintf(b, "# Benchmark results\n\n")
	if note != "" {
		fmt.Fprintf(b, "> **%s**\n\n", note)
	}
	fmt.Fprintf(b, "Produced by `%s` in `benchmarks/` (see [README.md](README.md)). "+
		"Each figure is the median of %d runs (`-count=%d`) of `BenchmarkSession`; "+
		"the raw output is in [results/raw.txt](results/raw.txt) and benchstat's summary, "+
		"with confidence intervals, in [results/benchstat.txt](results/benchstat.txt).\n\n",
		command, res.count, res.count)
	fmt.Fprintf(b, "**× ours** is the row's figure divided by serversession's on the same framework: "+
		"Redis rows against serversession on redisstore without the client-side cache, every other row (in-memory, filesystem, "+
		"cookie, the bare floor) against serversession on memstore. Above 1 means the row costs more than ours; "+
		"below 1, less.\n\n")
	fmt.Fprintf(b, "The **client-side cache** rows (store \"Redis, client-side cache on\") are serversession on redisstore "+
		"over a RESP3 go-redis client with `ClientSideCacheConfig: redisstore.CacheConfig(10_000, 64<<20)`, "+
		"as redisstore's documentation sets it up; the cache is opt-in, and the other Redis rows run without it. "+
		"Their read is timed warm: the session was written more than `CacheMaxStaleness` (1 s) before, "+
		"so the process no longer reads it past the cache, and one read has filled the cache. "+
		"A warm read is then served from the process's memory, except for one reload per `CacheMaxStaleness`, "+
		"the cache's cap on the age of what it serves (hence the few millionths of a command per read). "+
		"A read-modify-write writes on every request, so each of its loads goes past the cache. "+
		"Their × ours is against our Redis row without the cache. "+
		"Redis commands are counted on the client's connections, as the server receives them, for every go-redis row: "+
		"a read the cache serves never reaches one.\n\n")
	fmt.Fprintf(b, "The **Redis floor** rows are a bare Gin handler that makes, on the same go-redis client setup as our Redis rows, "+
		"only the round trips a session needs: GETEX for a read; GETEX then SET … PX for a read-modify-write "+
		"(store \"Redis\"), or GETEX then EVALSHA of a compare-and-set script like redisstore's Replace "+
		"(store \"Redis, EVALSHA compare-and-set\"). Nothing is parsed, signed or encoded: they are the physical limit "+
		"of a session on Redis.\n\n")

	if machine != "" || res.cpu != "" {
		fmt.Fprintf(b, "## Machine\n\n")
		if machine != "" {
			for _, line := range strings.Split(machine, "\n") {
				fmt.Fprintf(b, "- %s\n", strings.TrimSpace(line))
			}
		} else {
			fmt.Fprintf(b, "- cpu: %s\n", res.cpu)
		}
		fmt.Fprintln(b)
	}

	renderTargets(b, res)

	for _, sc := range scenarioOrder {
		fmt.Fprintf(b, "## Scenario: %s\n\n%s.\n\n", sc, strings.ToUpper(scenarioText[sc][:1])+scenarioText[sc][1:])
		fmt.Fprintf(b, "| library | framework | store | ns/op | × ours | B/op | × ours | allocs/op | × ours | Redis cmds/op |\n")
		fmt.Fprintf(b, "|---|---|---|---:|---:|---:|---:|---:|---:|---:|\n")
		for _, k := range res.order {
			if k.scenario != sc {
				continue
			}
			rw := res.rows[k]
			lib := libText[k.lib]
			if lib == "" {
				lib = k.lib
			}
			if isOurs(k.lib) {
				lib = "**" + lib + "**"
			}
			fmt.Fprintf(b, "| %s | %s | %s |", lib, framework(k.lib), storeText[k.store])
			if rw.skipped != "" || len(rw.samples["ns/op"]) == 0 {
				why := rw.skipped
				if why == "" {
					why = "no result"
				}
				fmt.Fprintf(b, " not run: %s | | | | | | |\n", strings.ReplaceAll(why, "|", "/"))
				continue
			}
			ours := res.rows[oursFor(k)]
			for _, unit := range []string{"ns/op", "B/op", "allocs/op"} {
				v, _ := rw.median(unit)
				fmt.Fprintf(b, " %s | %s |", number(v), ratio(v, ours, unit))
			}
			if c, ok := rw.median("redis-cmds/op"); ok {
				fmt.Fprintf(b, " %s |\n", commands(c))
			} else {
				fmt.Fprintf(b, " |\n")
			}
		}
		fmt.Fprintln(b)
	}
	if wrk != "" {
		fmt.Fprintf(b, "%s\n", wrk)
	}
}

// renderTargets checks the performance targets against this run.
func renderTargets(b *strings.Builder, res *results) {
	fmt.Fprintf(b, "## Performance targets\n\n")
	var misses []string
	beaten := 0
	for _, k := range res.order {
		if isOurs(k.lib) || isBare(k.lib) || isFloor(k.lib) {
			continue
		}
		rw, ours := res.rows[k], res.rows[oursFor(k)]
		for _, unit := range []string{"ns/op", "allocs/op"} {
			v, ok1 := rw.median(unit)
			o, ok2 := ours.median(unit)
			if !ok1 || !ok2 {
				continue
			}
			if o < v {
				beaten++
			} else {
				ok := oursFor(k)
				misses = append(misses, fmt.Sprintf("%s, %s: %s on %s %s, ours on %s %s",
					k.scenario, unit, k.lib, k.store, number(v), ok.store, number(o)))
			}
		}
	}
	fmt.Fprintf(b, "- **Lower ns/op and allocs/op than every peer, per scenario:** %d comparisons won, %d not", beaten, len(misses))
	if len(misses) == 0 {
		fmt.Fprintf(b, ".\n")
	} else {
		fmt.Fprintf(b, ":\n")
		for _, m := range misses {
			fmt.Fprintf(b, "  - %s\n", m)
		}
	}

	fmt.Fprintf(b, "- **Overhead over the bare handler, memstore, read, at most 2× the bare handler's ns/op:**\n")
	for _, fw := range []string{"gin", "echo", "echo5", "http"} {
		bare, ours := res.rows[key{"bare-" + fw, "none", "read"}], res.rows[key{"ours-" + fw, "mem", "read"}]
		bv, ok1 := bare.median("ns/op")
		ov, ok2 := ours.median("ns/op")
		if !ok1 || !ok2 {
			continue
		}
		verdict := "met"
		if ov-bv > 2*bv {
			verdict = "**not met**"
		}
		fmt.Fprintf(b, "  - %s: bare %s ns/op, ours %s ns/op, overhead %s ns/op = %.2f× bare: %s\n",
			fw, number(bv), number(ov), number(ov-bv), (ov-bv)/bv, verdict)
	}

	renderFloor(b, res)

	renderCached(b, res)

	fmt.Fprintf(b, "- **Redis commands per request (0, 1, 2, 1 for untouched, read, rmw, create; large is a rmw; "+
		"with the user index, 2 for create; with the client-side cache, 0 for a warm read and 2 for a rmw):**")
	want := map[string]float64{"untouched": 0, "read": 1, "rmw": 2, "create": 1, "large": 2}
	wantIndexed := map[string]float64{"untouched": 0, "read": 1, "rmw": 2, "create": 2, "large": 2}
	wantCached := map[string]float64{"read": 0, "rmw": 2}
	var bad []string
	seen := 0
	for _, k := range res.order {
		if !isOurs(k.lib) || (k.store != "redis" && !isCached(k.store)) {
			continue
		}
		w := want[k.scenario]
		switch {
		case isCached(k.store):
			w = wantCached[k.scenario]
		case strings.HasSuffix(k.lib, "-indexed"):
			w = wantIndexed[k.scenario]
		}
		if c, ok := res.rows[k].median("redis-cmds/op"); ok {
			seen++
			if roundCommands(c) != w {
				bad = append(bad, fmt.Sprintf("%s on %s %s: %s, want %g", k.lib, k.store, k.scenario, commands(c), w))
			}
		}
	}
	switch {
	case seen == 0:
		fmt.Fprintf(b, " not measured (no Redis rows ran).\n")
	case len(bad) == 0:
		fmt.Fprintf(b, " met on all %d Redis rows (per request, to two decimals).\n", seen)
	default:
		fmt.Fprintf(b, " **not met**: %s.\n", strings.Join(bad, "; "))
	}
	fmt.Fprintln(b)
}

// The targets of a warm read with the client-side cache on: this many
// times faster than the peers' Redis reads, and at most this many times
// our memstore read on the same framework.
const (
	cachedPeerTarget = 10.0
	cachedMemTarget  = 1.5
)

// renderCached checks our warm cached Redis reads against scs's and
// gin-contrib's Redis reads and against our memstore read, all of the same
// run, and gives their Redis commands per 1,000 reads.
func renderCached(b *strings.Builder, res *results) {
	fmt.Fprintf(b, "- **Redis warm read with the client-side cache on, at least %g× faster than scs's and gin-contrib's Redis reads "+
		"and at most %g× our memstore read (ns/op):**", cachedPeerTarget, cachedMemTarget)
	peers := []struct{ lib, name string }{{"scs", "scs"}, {"gincontrib", "gin-contrib"}}
	lines := 0
	for _, k := range res.order {
		if !isOurs(k.lib) || !isCached(k.store) || k.scenario != "read" {
			continue
		}
		ov, ok := res.rows[k].median("ns/op")
		if !ok {
			continue
		}
		if lines == 0 {
			fmt.Fprintln(b)
		}
		lines++
		var parts []string
		for _, p := range peers {
			pv, ok := res.rows[key{p.lib, "redis", "read"}].median("ns/op")
			if !ok {
				continue
			}
			verdict := "met"
			if pv < cachedPeerTarget*ov {
				verdict = "**not met**"
			}
			parts = append(parts, fmt.Sprintf("%s's %s = %.1f× faster: %s", p.name, number(pv), pv/ov, verdict))
		}
		mem := key{k.lib, "mem", "read"}
		if mv, ok := res.rows[mem].median("ns/op"); ok {
			verdict := "met"
			if ov > cachedMemTarget*mv {
				verdict = "**not met**"
			}
			parts = append(parts, fmt.Sprintf("our memstore read %s, so %.2f× it: %s", number(mv), ov/mv, verdict))
		}
		if c, ok := res.rows[k].median("redis-cmds/op"); ok {
			parts = append(parts, fmt.Sprintf("%s Redis commands per 1,000 reads", commands(c*1000)))
		}
		fmt.Fprintf(b, "  - %s: %s ns/op; %s\n", framework(k.lib), number(ov), strings.Join(parts, "; "))
	}
	if lines == 0 {
		fmt.Fprintf(b, " not measured (no cached Redis rows ran).\n")
	}
}

// floorTarget bounds our Redis rows over the Redis floor: ns/op at most
// this many times the floor's.
const floorTarget = 1.1

// renderFloor checks our Gin Redis rows against the Redis floor of the
// same run: the read against one GETEX, the read-modify-write against
// GETEX + SET and against GETEX + EVALSHA of a compare-and-set script (our
// write is conditional, so the second is the like-for-like limit; both are
// shown).
func renderFloor(b *strings.Builder, res *results) {
	fmt.Fprintf(b, "- **Overhead over the Redis floor (Gin), ns/op at most %.1f× the floor's:**", floorTarget)
	lines := 0
	for _, c := range []struct{ scenario, store, what string }{
		{"read", "redis", "read vs one round trip (GETEX)"},
		{"rmw", "redis", "read-modify-write vs two round trips (GETEX, SET … PX)"},
		{"rmw", "redis-cas", "read-modify-write vs two round trips with a conditional write (GETEX, EVALSHA compare-and-set)"},
	} {
		floor, ours := res.rows[key{"floor-gin", c.store, c.scenario}], res.rows[key{"ours-gin", "redis", c.scenario}]
		fv, ok1 := floor.median("ns/op")
		ov, ok2 := ours.median("ns/op")
		if !ok1 || !ok2 {
			continue
		}
		if lines == 0 {
			fmt.Fprintln(b)
		}
		lines++
		verdict := "met"
		if ov > floorTarget*fv {
			verdict = "**not met**"
		}
		fmt.Fprintf(b, "  - %s: floor %s ns/op, ours %s ns/op, overhead %s ns/op = %.2f× the floor: %s\n",
			c.what, number(fv), number(ov), signed(ov-fv), ov/fv, verdict)
	}
	if lines == 0 {
		fmt.Fprintf(b, " not measured (no Redis floor rows ran).\n")
	}
}

// commands formats Redis commands per request: whole numbers as they are,
// fractions (the cached reads' reloads) with two significant digits.
func commands(c float64) string {
	if c == math.Trunc(c) {
		return strconv.FormatFloat(c, 'f', -1, 64)
	}
	return strconv.FormatFloat(c, 'g', 2, 64)
}

// roundCommands is c to two decimals: what the command budget compares, so
// that a cached read's reload once per second counts as the 0 it rounds to.
func roundCommands(c float64) float64 { return math.Round(c*100) / 100 }

// signed is number for a difference that may be negative.
func signed(v float64) string {
	if v < 0 {
		return "−" + number(-v)
	}
	return number(v)
}

func ratio(v float64, ours *row, unit string) string {
	o, ok := ours.median(unit)
	if !ok || o == 0 {
		return "—"
	}
	return fmt.Sprintf("%.2f", v/o)
}

// number formats v with thousands separators, keeping one decimal under 100.
func number(v float64) string {
	if v < 100 && v != float64(int64(v)) {
		return strconv.FormatFloat(v, 'f', 1, 64)
	}
	s := strconv.FormatInt(int64(v+0.5), 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
