// Package demo holds what the example apps share: the home and "Your
// sessions" pages, the -store, -addr and -dir flags, the choice of store,
// and serving with cross-origin POSTs refused. Each app under examples/ is
// only its framework's routing around these pieces, so the apps show how
// little differs between Gin, Echo v4 and v5, and net/http.
package demo
