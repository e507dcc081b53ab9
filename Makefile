# Convenience targets; CI runs .ci/run.
.PHONY: test race fuzz bench lint vulncheck

test:            ## the README's test command
	go test ./...

race:
	go test -race -short ./...

fuzz:            ## every fuzz target, FUZZTIME each (default 30s)
	FUZZTIME=$${FUZZTIME:-30s} scripts/fuzz.sh

bench:           ## djin against its peers, in one run (see bench/README.md)
	cd bench && ./run.sh

lint:
	gofmt -l .
	go vet ./...
	go run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...

vulncheck:       ## needs network access to vuln.go.dev
	go run golang.org/x/vuln/cmd/govulncheck@v1.1.4 ./...
