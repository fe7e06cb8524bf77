module github.com/hookstream/hookstream/outbound

go 1.26.0

replace github.com/hookstream/hookstream/schemas => ../schemas

replace github.com/hookstream/hookstream/platform => ../platform

require (
	github.com/hookstream/hookstream/platform v0.0.0
	github.com/hookstream/hookstream/schemas v0.0.0
	github.com/standard-webhooks/standard-webhooks/libraries v0.0.1
)

require (
	github.com/golang/snappy v1.0.0 // indirect
	github.com/linkedin/goavro/v2 v2.15.0 // indirect
	github.com/twmb/franz-go/pkg/sr v1.8.0 // indirect
)
