// Package adaptertest is the behaviour suite every session adapter passes:
// ginsession, echosession, httpsession and any adapter written later. It
// drives the adapter through real HTTP round trips — an httptest.Server and
// a client with a cookie jar — and checks the request lifecycle and the
// error rules from the outside: the status, the body, the Set-Cookie and
// Vary headers as net/http parses them, and what the store was asked and
// holds.
//
// An adapter's test supplies a Harness: a function that builds a server for
// a sessions.Config from a set of Routes, and an Exchange that performs the
// few operations whose code differs between frameworks (looking the session
// up, writing, flushing, redirecting, failing). Everything else lives here.
//
//	func TestAdapter(t *testing.T) {
//		adaptertest.Run(t, adaptertest.Harness{New: newServer})
//	}
//
// The suite keeps every record in a backends/memstore.Store behind a
// wrapper that counts the calls and can be told to fail, so round trips
// are asserted exactly and records are compared byte for byte. Its
// subtests run in parallel and take no long sleeps.
package adaptertest
