// Package e2e tests the policycortex binary from the outside. TestMain
// builds cmd/policycortex once. Each test makes real Git repositories with
// the git CLI and runs `policycortex serve` as a child process on a loopback
// port with its own data directory. It posts CloudEvents over HTTP and
// checks runs through the JSON API, while httptest servers stand in for the
// third-party services that actions call.
package e2e
