package storetest

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/serversession/serversession/sessions"
)

// TestRunReference runs the suite against the reference store, Touch and
// LoadTouch included, and an unreachable one.
func TestRunReference(t *testing.T) {
	Run(t, Harness{
		New:         func(*testing.T) sessions.Store { return newRefStore("") },
		Unreachable: func(*testing.T) sessions.Store { return newRefStore("down") },
	})
}

// TestRunWithoutToucher runs the suite against a store with only the three
// Store methods: the Touch subtests skip, everything else passes.
func TestRunWithoutToucher(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: waits for expiry")
	}
	Run(t, Harness{
		New: func(*testing.T) sessions.Store {
			return struct{ sessions.Store }{newRefStore("")}
		},
	})
}

// faultEnv names the fault that TestFaultyStore injects, when the suite's
// own tests run the test binary again to watch it fail.
const faultEnv = "STORETEST_FAULT"

// TestFaultyStore runs the suite against a store broken as $STORETEST_FAULT
// says. It only runs as a child of TestSuiteCatchesFaults, which expects it
// to fail.
func TestFaultyStore(t *testing.T) {
	fault := os.Getenv(faultEnv)
	if fault == "" {
		t.Skip("runs only as a child of TestSuiteCatchesFaults")
	}
	Run(t, Harness{
		New:         func(*testing.T) sessions.Store { return newRefStore(fault) },
		Unreachable: func(*testing.T) sessions.Store { return newRefStore(fault) },
	})
}

// TestSuiteCatchesFaults checks that each subtest fails on a store broken
// in the way it is meant to catch, with a message that says so.
func TestSuiteCatchesFaults(t *testing.T) {
	for _, c := range []struct {
		fault, subtest, message string
	}{
		{"alias-load", "NoAliasing", "changed the slice an earlier Load returned"},
		{"alias-save", "NoAliasing", "changed the slice it passed to Save"},
		{"write-in-place", "Overwrite", "Save #2"},
		{"no-expiry", "Expiry", "are still found"},
		{"touch-noop", "Touch", "Touch must extend"},
		{"touch-resurrects", "Touch", "Touch must not create records"},
		{"ignore-ctx", "CanceledContext", "want an error wrapping context canceled"},
		{"down-not-found", "Unreachable", "reported not found with a nil error"},
		{"case-insensitive-keys", "KeyCharacters", "differs only in letter case"},
		{"nul-truncate", "BinaryData", "returned the wrong data"},
		{"small-values", "LargeValue", "value too large"},
		{"relative-ttl-only", "LongTTL", "reported not found"},
	} {
		t.Run(c.fault, func(t *testing.T) {
			if testing.Short() && c.fault == "no-expiry" {
				t.Skip("slow: waits for expiry")
			}
			t.Parallel()
			cmd := exec.CommandContext(t.Context(), os.Args[0],
				"-test.run=^TestFaultyStore$/^"+c.subtest+"$", "-test.v")
			cmd.Env = append(os.Environ(), faultEnv+"="+c.fault)
			out, err := cmd.CombinedOutput()
			if err == nil {
				t.Fatalf("the suite passed a store with fault %q; want subtest %s to fail\n%s", c.fault, c.subtest, out)
			}
			if !strings.Contains(string(out), "--- FAIL: TestFaultyStore/"+c.subtest) {
				t.Fatalf("fault %q: subtest %s did not fail (err %v)\n%s", c.fault, c.subtest, err, out)
			}
			if !strings.Contains(string(out), c.message) {
				t.Errorf("fault %q: the failure does not say %q\n%s", c.fault, c.message, out)
			}
		})
	}
}

// refServer takes a reference store's server away and brings it back.
type refServer struct{ s *refStore }

func (r refServer) Stop()  { r.s.fault = "down" }
func (r refServer) Start() { r.s.fault = "" }

// TestServerComesBackReference runs ServerComesBack against the reference
// store, whose server comes back at once.
func TestServerComesBackReference(t *testing.T) {
	s := newRefStore("")
	ServerComesBack(t, s, refServer{s}, 0)
}

// BenchmarkReference runs Benchmark against the reference store.
func BenchmarkReference(b *testing.B) {
	Benchmark(b, newRefStore(""))
}
