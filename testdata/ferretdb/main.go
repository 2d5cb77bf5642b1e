// Command ferretdb serves the MongoDB wire protocol for serversession's
// tests. It embeds FerretDB v1.24 with its SQLite handler, so no MongoDB
// installation is needed: state lives in SQLite files under -dir.
//
// It lives in its own Go module so that FerretDB and its dependencies never
// enter the main module's go.mod. scripts/start-ferretdb.sh builds and starts
// it.
//
// Usage:
//
//	go run . -listen 127.0.0.1:27017 -dir ./ferretdb-state
//
// SIGINT or SIGTERM stops it cleanly: the listener and every connection are
// closed, then the SQLite databases.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "ferretdb:", err)
		os.Exit(1)
	}
}

func run() error {
	listen := flag.String("listen", "127.0.0.1:27017", "TCP `address` to serve the MongoDB wire protocol on")
	dir := flag.String("dir", "ferretdb-state", "`directory` for the SQLite databases (created if missing)")
	level := flag.String("log-level", "error", "FerretDB's log `level`: debug, info, warn or error (warn logs every error answer)")
	flag.Parse()

	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(*level)); err != nil {
		return fmt.Errorf("-log-level: %w", err)
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: lvl}))

	abs, err := filepath.Abs(*dir)
	if err != nil {
		return fmt.Errorf("-dir: %w", err)
	}
	if err := os.MkdirAll(abs, 0o700); err != nil {
		return fmt.Errorf("-dir: %w", err)
	}

	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: *listen},
		Logger:    logger,
		Handler:   "sqlite",
		SQLiteURL: "file:" + abs + "/", // the handler wants a directory URI ending in a slash
	})
	if err != nil {
		return err
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	fmt.Fprintf(os.Stderr, "ferretdb: serving on %s, state in %s, pid %d\n", *listen, abs, os.Getpid())
	if err := f.Run(ctx); err != nil {
		return err
	}
	fmt.Fprintln(os.Stderr, "ferretdb: stopped")
	return nil
}
