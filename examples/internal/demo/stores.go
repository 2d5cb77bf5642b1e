package demo

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/serversession/serversession/backends/filestore"
	"github.com/serversession/serversession/backends/memstore"
	"github.com/serversession/serversession/sessions"
)

// Stores maps each -store name to how the demo opens it. The default build
// has the two stores that need no server and no driver, memory and
// filesystem; each of the others is added by a file of its own, built
// only with the build tag of the store's name (see Optional). Servers are
// found through the same variables as the tests, with loopback defaults.
var Stores = map[string]func(dir string) (sessions.Store, func(), error){
	"memory": func(string) (sessions.Store, func(), error) {
		s := memstore.New()
		return s, func() { s.Close() }, nil
	},
	"filesystem": func(dir string) (sessions.Store, func(), error) {
		s, err := filestore.New(filepath.Join(dir, "sessions"))
		if err != nil {
			return nil, nil, err
		}
		return s, func() { s.Close() }, nil
	},
}

// Optional lists the stores left out of the default build, each built in
// by the build tag of its name (go run -tags redis ./examples/gin -store
// redis; make demo STORE=redis). Their drivers are most of a first build's
// compile time: go-redis's main package alone takes longer to compile than
// all of Gin, and the MongoDB driver and the AWS SDK are hundreds of files
// each. sqlite's driver also needs cgo and a C compiler.
var Optional = []string{"dynamodb", "memcached", "mongodb", "redis", "sqlite"}

// OpenStore opens the store called name, keeping any files under dir.
func OpenStore(name, dir string) (sessions.Store, func(), error) {
	open, ok := Stores[name]
	if !ok && slices.Contains(Optional, name) {
		return nil, nil, notBuilt(name)
	}
	if !ok {
		return nil, nil, fmt.Errorf("demo: unknown store %q; choose one of %s", name, storeNames())
	}
	s, close, err := open(dir)
	if err != nil {
		return nil, nil, fmt.Errorf("demo: open the %s store: %w", name, err)
	}
	return s, close, nil
}

// notBuilt is the error of choosing an optional store this build left
// out: it names the build tag that adds it.
func notBuilt(name string) error {
	msg := fmt.Sprintf("demo: the %s store is not in this build; build the demo with the %s tag, e.g. "+
		"go run -tags %s ./examples/gin -store %s (or: make demo STORE=%s)", name, name, name, name, name)
	if name == "sqlite" {
		msg += "; its driver needs cgo and a C compiler"
	}
	return fmt.Errorf("%s", msg)
}

// storeNames lists the stores of this build for the -store help, and the
// tags that add the others.
func storeNames() string {
	names := make([]string, 0, len(Stores))
	for n := range Stores {
		names = append(names, n)
	}
	sort.Strings(names)
	list := strings.Join(names, ", ")
	var missing []string
	for _, n := range Optional {
		if _, ok := Stores[n]; !ok {
			missing = append(missing, n)
		}
	}
	if len(missing) > 0 {
		list += "; with -tags <name>: " + strings.Join(missing, ", ")
	}
	return list
}

func env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
