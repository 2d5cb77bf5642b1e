package testserver

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestParseEnvFile checks the lines scripts/test-servers.sh writes, and the
// quoting and comments a hand-written file may have.
func TestParseEnvFile(t *testing.T) {
	got := parseEnvFile(strings.NewReader(`# Written by scripts/test-servers.sh
SERVERSESSION_POSTGRES_DSN='host=127.0.0.1 port=55432 user=postgres dbname=test sslmode=disable'
SERVERSESSION_MYSQL_DSN='root@tcp(127.0.0.1:53306)/test?parseTime=true'

export SERVERSESSION_REDIS_ADDR="127.0.0.1:6380"
SERVERSESSION_MEMCACHED_ADDR=127.0.0.1:11212
not a line
`))
	want := map[string]string{
		"SERVERSESSION_POSTGRES_DSN":   "host=127.0.0.1 port=55432 user=postgres dbname=test sslmode=disable",
		"SERVERSESSION_MYSQL_DSN":      "root@tcp(127.0.0.1:53306)/test?parseTime=true",
		"SERVERSESSION_REDIS_ADDR":     "127.0.0.1:6380",
		"SERVERSESSION_MEMCACHED_ADDR": "127.0.0.1:11212",
	}
	if len(got) != len(want) {
		t.Errorf("parsed %d values %v; want %d", len(got), got, len(want))
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q; want %q", k, got[k], v)
		}
	}
}

// TestEnvFile checks that SERVERSESSION_ENV_FILE names the file, and that
// otherwise the file is found above the working directory, but not above
// the repository's root.
func TestEnvFile(t *testing.T) {
	t.Setenv("SERVERSESSION_ENV_FILE", "/somewhere/else.env")
	if got := EnvFile(); got != "/somewhere/else.env" {
		t.Errorf("EnvFile with SERVERSESSION_ENV_FILE = %q", got)
	}
	t.Setenv("SERVERSESSION_ENV_FILE", "")

	top := t.TempDir()
	repo := filepath.Join(top, "repo")
	pkg := filepath.Join(repo, "backends", "x")
	for _, d := range []string{filepath.Join(top, ".cache"), filepath.Join(repo, ".git"), pkg} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(top, ".cache", "test-servers.env"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(pkg)
	if got := EnvFile(); got != "" {
		t.Errorf("EnvFile found %q above the repository's root; want none", got)
	}
	want := filepath.Join(repo, ".cache", "test-servers.env")
	if err := os.MkdirAll(filepath.Dir(want), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(want, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if got := EnvFile(); got != want {
		t.Errorf("EnvFile from %s = %q; want %q", pkg, got, want)
	}
}
