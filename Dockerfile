# syntax=docker/dockerfile:1
# One image for every role: the command picks it, e.g.
#   docker run hookstream router --brokers kafka:9092 --registry http://registry:8081
# Build: docker build --build-arg VERSION=$(git describe --tags --always) -t hookstream .

FROM golang:1.26 AS build
WORKDIR /src
# The workspace (go.work) needs every module's source, so copy it all; the
# cache mounts keep downloaded modules and build results between builds.
COPY . .
ARG VERSION=dev
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" \
      -o /out/hookstream ./cmd/hookstream

# A static binary needs no libc: distroless/static has CA certificates (for
# https webhooks and clusters), tzdata and a nonroot user, and no shell.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/hookstream /hookstream
USER nonroot:nonroot
# api 8080; /metrics of router 9465, deliverer 9466, api 9467
EXPOSE 8080 9465 9466 9467
ENTRYPOINT ["/hookstream"]
CMD ["--help"]
