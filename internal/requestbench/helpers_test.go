package requestbench

import (
	"io"
	"log/slog"
	"net/url"
)

func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// hostOf returns the host:port of a mongodb:// URI.
func hostOf(uri string) string {
	u, err := url.Parse(uri)
	if err != nil || u.Host == "" {
		return "127.0.0.1:27017"
	}
	return u.Host
}
