package gormstore

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5/pgconn"
	gormmysql "gorm.io/driver/mysql"
	"gorm.io/driver/postgres"
	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/serversession/serversession/internal/testserver"
)

// The tests stop servers under open connections on purpose; go-sql-driver
// would print "closing bad idle connection" for each.
func init() { _ = mysql.SetLogger(log.New(io.Discard, "", 0)) }

// dialect is one database the tests run on.
type dialect struct {
	name string
	// engine is the SQL dialect: sqlite, postgres or mysql.
	engine string
	// open returns a handle on a database that answers, or skips (fails
	// when servers are required) when the server is absent. The handle is
	// closed when t ends.
	open func(t testing.TB) *gorm.DB
	// openVia returns a handle on the same database reached through addr
	// (a proxy) instead of the server's own address, and the server's own
	// address. nil for SQLite, which has no server.
	openVia func(t testing.TB, addr func(target string) string) *gorm.DB
}

// dialects lists SQLite (always there) and the servers found through
// SERVERSESSION_POSTGRES_DSN and SERVERSESSION_MYSQL_DSN. MySQL runs twice:
// as the DSN says, and with clientFoundRows=true, which makes the server
// count the rows an UPDATE matched instead of those it changed, so that
// both ways of counting are tested whatever the DSN says.
var dialects = []dialect{
	{name: "sqlite", engine: "sqlite", open: openSQLite},
	{name: "postgres", engine: "postgres", open: openPostgres, openVia: openPostgresVia},
	{name: "mysql", engine: "mysql", open: openMySQL, openVia: openMySQLVia},
	{name: "mysql_foundrows", engine: "mysql", open: openMySQLFoundRows, openVia: openMySQLFoundRowsVia},
}

// forEachDialect runs f as a subtest per dialect.
func forEachDialect(t *testing.T, f func(t *testing.T, d dialect)) {
	for _, d := range dialects {
		t.Run(d.name, func(t *testing.T) { f(t, d) })
	}
}

// quietConfig keeps gorm from logging every failed query of the tests
// that expect failures.
func quietConfig() *gorm.Config {
	return &gorm.Config{Logger: logger.Discard}
}

// openSQLite opens a database file of its own in t's temp dir. WAL and a
// busy timeout let concurrent writers wait for each other instead of failing
// with "database is locked".
func openSQLite(t testing.TB) *gorm.DB {
	t.Helper()
	path := filepath.Join(t.TempDir(), "sessions.db")
	db, err := gorm.Open(sqlite.Open("file:"+path+"?_busy_timeout=10000&_journal_mode=WAL"), quietConfig())
	if err != nil {
		t.Fatalf("open sqlite %s: %v", path, err)
	}
	closeOnCleanup(t, db)
	return db
}

func postgresDSN() string {
	return testserver.Env("SERVERSESSION_POSTGRES_DSN", "host=127.0.0.1 port=5432 user=postgres dbname=test sslmode=disable")
}

func mysqlDSN() string {
	return testserver.Env("SERVERSESSION_MYSQL_DSN", "root@tcp(127.0.0.1:3306)/test?parseTime=true")
}

// postgresAddr returns the host:port of the PostgreSQL DSN.
func postgresAddr(t testing.TB) string {
	t.Helper()
	cfg, err := pgconn.ParseConfig(postgresDSN())
	if err != nil {
		t.Fatalf("SERVERSESSION_POSTGRES_DSN: %v", err)
	}
	return fmt.Sprintf("%s:%d", cfg.Host, cfg.Port)
}

func openPostgres(t testing.TB) *gorm.DB {
	t.Helper()
	testserver.Reachable(t, postgresAddr(t), "PostgreSQL (SERVERSESSION_POSTGRES_DSN)")
	return openPostgresDSN(t, postgresDSN())
}

func openPostgresDSN(t testing.TB, dsn string) *gorm.DB {
	t.Helper()
	db, err := gorm.Open(postgres.Open(dsn), quietConfig())
	if err != nil {
		t.Fatalf("open postgres: %v", err)
	}
	closeOnCleanup(t, db)
	return db
}

// openPostgresVia opens the PostgreSQL DSN with its address replaced by
// via(server address).
func openPostgresVia(t testing.TB, via func(string) string) *gorm.DB {
	t.Helper()
	addr := postgresAddr(t)
	testserver.Reachable(t, addr, "PostgreSQL (SERVERSESSION_POSTGRES_DSN)")
	host, port, _ := strings.Cut(via(addr), ":")
	dsn := postgresDSN()
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			t.Fatalf("SERVERSESSION_POSTGRES_DSN: %v", err)
		}
		u.Host = host + ":" + port
		dsn = u.String()
	} else {
		dsn += " host=" + host + " port=" + port // later keys win
	}
	return openPostgresDSN(t, dsn+connectTimeout(dsn))
}

// connectTimeout bounds dialing through a stopped proxy.
func connectTimeout(dsn string) string {
	if strings.Contains(dsn, "://") {
		if strings.Contains(dsn, "?") {
			return "&connect_timeout=2"
		}
		return "?connect_timeout=2"
	}
	return " connect_timeout=2"
}

// mysqlConfig parses the MySQL DSN.
func mysqlConfig(t testing.TB) *mysql.Config {
	t.Helper()
	cfg, err := mysql.ParseDSN(mysqlDSN())
	if err != nil {
		t.Fatalf("SERVERSESSION_MYSQL_DSN: %v", err)
	}
	return cfg
}

func openMySQL(t testing.TB) *gorm.DB { return openMySQLCfg(t, nil, false) }

func openMySQLVia(t testing.TB, via func(string) string) *gorm.DB {
	return openMySQLCfg(t, via, false)
}

// openMySQLFoundRows opens the MySQL DSN with clientFoundRows=true.
func openMySQLFoundRows(t testing.TB) *gorm.DB { return openMySQLCfg(t, nil, true) }

func openMySQLFoundRowsVia(t testing.TB, via func(string) string) *gorm.DB {
	return openMySQLCfg(t, via, true)
}

// openMySQLCfg opens the MySQL DSN, reached through via(server address)
// unless via is nil, and with clientFoundRows set as foundRows says.
func openMySQLCfg(t testing.TB, via func(string) string, foundRows bool) *gorm.DB {
	t.Helper()
	cfg := mysqlConfig(t)
	testserver.Reachable(t, cfg.Addr, "MariaDB/MySQL (SERVERSESSION_MYSQL_DSN)")
	if via != nil {
		cfg.Addr = via(cfg.Addr)
		cfg.Timeout = 2 * time.Second
	}
	if foundRows {
		cfg.ClientFoundRows = true
	}
	return openMySQLDSN(t, cfg.FormatDSN())
}

func openMySQLDSN(t testing.TB, dsn string) *gorm.DB {
	t.Helper()
	db, err := gorm.Open(gormmysql.Open(dsn), quietConfig())
	if err != nil {
		t.Fatalf("open mysql: %v", err)
	}
	closeOnCleanup(t, db)
	return db
}

func closeOnCleanup(t testing.TB, db *gorm.DB) {
	t.Helper()
	sqlDB, err := db.DB()
	if err != nil {
		t.Fatalf("db.DB(): %v", err)
	}
	t.Cleanup(func() { _ = sqlDB.Close() })
}

// tableName returns a table name of t's own: a prefix, random hex and the
// test's name, lower case, within PostgreSQL's 63-byte limit.
func tableName(t testing.TB) string {
	var b strings.Builder
	for _, r := range strings.ToLower(t.Name()) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	name := b.String()
	if len(name) > 40 {
		name = name[len(name)-40:]
	}
	var rnd [4]byte
	_, _ = rand.Read(rnd[:])
	return "gs_" + hex.EncodeToString(rnd[:]) + "_" + name
}

// dropOnCleanup drops table through db when t ends.
func dropOnCleanup(t testing.TB, db *gorm.DB, table string) {
	t.Helper()
	t.Cleanup(func() {
		if err := db.Migrator().DropTable(table); err != nil {
			t.Logf("drop table %s: %v", table, err)
		}
	})
}

// newTestStore returns a Store on a table of t's own in db, dropped when t
// ends (registered before the store's own Close, so it runs after it).
func newTestStore(t testing.TB, db *gorm.DB, opts ...Option) *Store {
	t.Helper()
	table := tableName(t)
	dropOnCleanup(t, db, table)
	s, err := New(db, append([]Option{WithTableName(table), WithLogger(testLogger(t))}, opts...)...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// testLogger returns a logger that writes through t.Log.
func testLogger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type tWriter struct{ t testing.TB }

func (w tWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
