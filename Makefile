# make test  runs everything CI runs: starts the test servers that are
#            missing, then vet, the gofmt check, go test -race with servers
#            required in every module, the peer-comparison module's checks,
#            the browser test of the Gin demo, and each fuzz target for
#            $(FUZZTIME).
# make demo  runs the Gin demo on its default (filesystem) store; make demo
#            STORE=redis runs it on another store (memory, redis, memcached,
#            mongodb, dynamodb, sqlite), built in with the tag of its name.
# make stop-servers  stops the private PostgreSQL and MariaDB instances that
#            scripts/test-servers.sh starts when the host's are not usable.

FUZZTIME ?= 60000x

# The modules of the repository. Each is vetted and tested on its own, with
# GOWORK=off, so that its go.mod and go.sum are complete as users get them;
# go.work joins them for development. benchmarks and examples/browsertest
# have targets of their own; testdata/ferretdb is a test server, built by
# scripts/start-ferretdb.sh.
export MODULES := . ginsession echosession backends/redisstore \
	backends/memcachedstore backends/mongostore backends/gormstore backends/dynamostore \
	internal/requestbench examples extra/otelsessions

# each runs its argument, a shell command, in every module of MODULES.
each = set -e; for m in $(MODULES); do echo "== $$m"; (cd $$m && GOWORK=off $(1)); done

# The demo's stores that need a server or cgo: each is built in only with
# the build tag of its name, so that a first make demo compiles none of
# their drivers. vet and unit check the examples module with all of them as
# well as without.
DEMO_STORES := redis memcached mongodb dynamodb sqlite
comma := ,
empty :=
space := $(empty) $(empty)
DEMO_TAGS := $(subst $(space),$(comma),$(DEMO_STORES))

# Where scripts/test-servers.sh writes the addresses it chose, and where the
# tests (internal/testserver) read those not set in the environment.
export SERVERSESSION_ENV_FILE ?= $(CURDIR)/.cache/test-servers.env

.PHONY: test servers stop-servers check vet fmt-check unit benchmarks-check browser-test fuzz bench demo

test: servers check unit benchmarks-check browser-test fuzz

# The modules download while the servers start.
servers:
	@{ for m in $(MODULES) benchmarks examples/browsertest; do (cd $$m && GOWORK=off go mod download) || exit 1; done; } & dl=$$!; \
	scripts/test-servers.sh; rc=$$?; \
	wait $$dl || echo "make: go mod download failed; the next steps will say why" >&2; \
	exit $$rc

stop-servers:
	scripts/test-servers.sh stop

check: vet fmt-check

vet:
	@$(call each,go vet ./...)
	@echo "== examples -tags $(DEMO_TAGS)"; cd examples && GOWORK=off go vet -tags $(DEMO_TAGS) ./...

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go') $$(git ls-files --others --exclude-standard '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

unit:
	@$(call each,SERVERSESSION_REQUIRE_SERVERS=1 go test -race -count=1 ./...)
	@echo "== allocation tests, which -race skips"; GOWORK=off go test -count=1 -run 'Alloc' ./sessions/ ./internal/signing/
	@echo "== examples -tags $(DEMO_TAGS)"; cd examples && GOWORK=off SERVERSESSION_REQUIRE_SERVERS=1 go test -race -count=1 -tags $(DEMO_TAGS) ./...

# The benchmarks module (its own go.mod, so peers stay out of ours): its
# tests check that every scenario works for every library and that our
# Redis commands per request are 0/1/2/1.
benchmarks-check:
	cd benchmarks && export GOWORK=off && go vet ./... && SERVERSESSION_REQUIRE_SERVERS=1 go test -count=1 ./...

# The browser test (its own go.mod, so chromedp stays out of ours): the Gin
# demo in headless Chromium, two browsers logged in as one user, one logging
# the other out from Your sessions. servers installs Chromium. The test's
# screenshot of that page is kept under .cache/browsertest/_artifacts/.
browser-test:
	rm -rf .cache/browsertest && mkdir -p .cache/browsertest
	cd examples/browsertest && export GOWORK=off && go vet ./... && \
		SERVERSESSION_REQUIRE_SERVERS=1 go test -count=1 -artifacts -outputdir $(CURDIR)/.cache/browsertest ./...

fuzz:
	FUZZTIME=$(FUZZTIME) scripts/fuzz.sh

bench:
	@$(call each,go test -run '^$$' -bench . -benchmem ./...)

# nomsgpack leaves out Gin's MessagePack binding (github.com/ugorji/go/codec,
# unused by the demo), about a third of a first build's compile time.
# STORE (default: the filesystem store) adds the tag of its name, which
# builds in a store that needs a server or cgo (see DEMO_STORES).
# The examples are a module of their own; go.work finds it from here.
STORE ?=
demo:
	go run -tags nomsgpack$(if $(STORE),$(comma)$(STORE)) ./examples/gin$(if $(STORE), -store $(STORE))
