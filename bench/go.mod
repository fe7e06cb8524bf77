module github.com/hookstream/hookstream/bench

go 1.26.0

replace github.com/hookstream/hookstream/schemas => ../schemas

replace github.com/hookstream/hookstream/platform => ../platform

replace github.com/hookstream/hookstream/producer => ../producer

require (
	github.com/hookstream/hookstream/outbound v0.0.0
	github.com/hookstream/hookstream/platform v0.0.0
	github.com/hookstream/hookstream/producer v0.0.0
	github.com/hookstream/hookstream/schemas v0.0.0
	github.com/twmb/franz-go v1.22.2
	github.com/twmb/franz-go/pkg/kadm v1.19.0
	github.com/twmb/franz-go/pkg/kfake v0.0.0-20260918054303-01f206a7e32c
	github.com/twmb/franz-go/pkg/sr v1.8.0
)

require (
	github.com/go-viper/mapstructure/v2 v2.4.0 // indirect
	github.com/golang/snappy v1.0.0 // indirect
	github.com/google/uuid v1.6.0 // indirect
	github.com/hamba/avro/v2 v2.31.0 // indirect
	github.com/json-iterator/go v1.1.12 // indirect
	github.com/klauspost/compress v1.20.3 // indirect
	github.com/linkedin/goavro/v2 v2.15.0 // indirect
	github.com/modern-go/concurrent v0.0.0-20180306012644-bacd9c7ef1dd // indirect
	github.com/modern-go/reflect2 v1.0.2 // indirect
	github.com/pierrec/lz4/v4 v4.1.33 // indirect
	github.com/twmb/franz-go/pkg/kmsg v1.15.0 // indirect
	github.com/twmb/franz-go/plugin/kslog v1.0.0 // indirect
)

replace github.com/hookstream/hookstream/outbound => ../outbound
