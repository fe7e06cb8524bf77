module github.com/hookstream/hookstream/control

go 1.26.0

replace github.com/hookstream/hookstream/schemas => ../schemas

replace github.com/hookstream/hookstream/platform => ../platform

replace github.com/hookstream/hookstream/deliverer => ../deliverer

replace github.com/hookstream/hookstream/router => ../router

require (
	github.com/evanphx/json-patch/v5 v5.9.11
	github.com/hookstream/hookstream/deliverer v0.0.0
	github.com/hookstream/hookstream/platform v0.0.0
	github.com/hookstream/hookstream/schemas v0.0.0
)

require (
	github.com/golang/snappy v1.0.0 // indirect
	github.com/klauspost/compress v1.20.3 // indirect
	github.com/linkedin/goavro/v2 v2.15.0 // indirect
	github.com/pierrec/lz4/v4 v4.1.33 // indirect
	github.com/twmb/franz-go v1.22.2 // indirect
	github.com/twmb/franz-go/pkg/kadm v1.19.0 // indirect
	github.com/twmb/franz-go/pkg/kmsg v1.15.0 // indirect
	github.com/twmb/franz-go/pkg/sr v1.8.0 // indirect
	golang.org/x/sync v0.22.0 // indirect
)
