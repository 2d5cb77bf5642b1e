module github.com/serversession/serversession/backends/redisstore

go 1.26.0

require (
	github.com/redis/go-redis/v9 v9.24.0
	github.com/serversession/serversession v0.0.0
)

require (
	github.com/cespare/xxhash/v2 v2.3.0 // indirect
	github.com/vmihailenco/msgpack/v5 v5.4.1 // indirect
	github.com/vmihailenco/tagparser/v2 v2.0.0 // indirect
	go.uber.org/atomic v1.12.0 // indirect
	golang.org/x/sys v0.50.0 // indirect
)

replace github.com/serversession/serversession => ../..
