// Package demo holds what the three example apps share: the page, the
// -store and -addr flags, and the choice of store. Each app under examples/
// is only its framework's routing around these pieces, so the apps show
// how little differs between Gin, Echo and net/http.
package demo
