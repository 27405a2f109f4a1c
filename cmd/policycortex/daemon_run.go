package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/policycortex/policycortex/actions"
)

// serveConfig is the configuration that serve reads from files and the
// environment before it starts.
type serveConfig struct {
	dataDir       string
	owner         string
	apiToken      string
	webhookSecret []byte
	connectors    actions.Connectors
}

// loadServeConfig reads the secret files and the connectors file, and
// derives the engine owner from the host name and the data directory, so a
// restarted daemon on the same data directory frees its own run leases.
func loadServeConfig(opts serveOptions, lookupEnv lookupEnvFunc) (serveConfig, error) {
	var cfg serveConfig
	var err error
	cfg.dataDir, err = filepath.Abs(opts.dataDir)
	if err != nil {
		return cfg, ioError(fmt.Errorf("resolve --data-dir: %w", err))
	}
	host, err := os.Hostname()
	if err != nil {
		host = "localhost"
	}
	cfg.owner = host + ":" + cfg.dataDir
	if opts.apiTokenFile != "" {
		if cfg.apiToken, err = readSecretFile(opts.apiTokenFile); err != nil {
			return cfg, ioError(fmt.Errorf("read --api-token-file: %w", err))
		}
	}
	if opts.webhookSecretFile != "" {
		secret, err := readSecretFile(opts.webhookSecretFile)
		if err != nil {
			return cfg, ioError(fmt.Errorf("read --webhook-secret-file: %w", err))
		}
		cfg.webhookSecret = []byte(secret)
	}
	cfg.connectors, err = actions.LoadConnectors(opts.connectors, lookupEnv)
	if err != nil {
		return cfg, ioError(fmt.Errorf("load --connectors: %w", err))
	}
	return cfg, nil
}

// listen opens the API listener and builds the HTTP server. It warns when
// the API is reachable from other hosts without a token.
func (d *daemon) listen(addr string, hasToken bool) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return ioError(fmt.Errorf("listen on %s: %w", addr, err))
	}
	d.listener = ln
	d.httpFailed = make(chan error, 1)
	if tcp, ok := ln.Addr().(*net.TCPAddr); ok && !tcp.IP.IsLoopback() && !hasToken {
		d.log.Warn("the HTTP API listens beyond loopback without --api-token-file; anyone who can reach it can post events",
			slog.String("listen", ln.Addr().String()))
	}
	d.http = &http.Server{
		Handler:           d.api.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(d.log.Handler(), slog.LevelWarn),
	}
	return nil
}

// serveHTTP serves until the server shuts down. An error other than the
// shutdown goes to d.httpFailed.
func (d *daemon) serveHTTP() {
	d.log.Info("http api listening", slog.String("addr", d.listener.Addr().String()))
	err := d.http.Serve(d.listener)
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		d.httpFailed <- fmt.Errorf("http server: %w", err)
	}
}

// run starts the reconciler and the engine and serves HTTP until ctx ends
// or one of them fails, then shuts everything down in order.
func (d *daemon) run(ctx context.Context) error {
	runCtx, stopRun := context.WithCancel(context.WithoutCancel(ctx))
	defer stopRun()
	failed := make(chan error, 3)
	var wg sync.WaitGroup
	start := func(name string, fn func() error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := fn(); err != nil {
				failed <- fmt.Errorf("%s: %w", name, err)
			}
		}()
	}
	start("engine", func() error { return d.engine.Run(runCtx) })
	start("reconciler", func() error { return d.reconciler.Run(runCtx) })

	var runErr error
	select {
	case <-ctx.Done():
		d.log.Info("shutting down", slog.String("cause", context.Cause(ctx).Error()))
	case runErr = <-failed:
	case runErr = <-d.httpFailed:
	}
	if runErr != nil {
		d.log.Error("component failed; shutting down", slog.Any("error", runErr))
	}
	d.api.SetReady(false)
	d.shutdownHTTP()
	stopRun()
	wg.Wait()
	if runErr != nil {
		return failure(runErr)
	}
	return nil
}

// shutdownHTTP stops accepting connections and waits for in-flight
// requests, so every accepted event is stored before the store closes.
func (d *daemon) shutdownHTTP() {
	ctx, cancel := context.WithTimeout(context.Background(), httpShutdownTimeout)
	defer cancel()
	if err := d.http.Shutdown(ctx); err != nil {
		d.log.Error("http shutdown", slog.Any("error", err))
	}
}

// closeStore closes the database, logging a failure, and releases the data
// directory lock.
func (d *daemon) closeStore() {
	if err := d.store.Close(); err != nil {
		d.log.Error("close store", slog.Any("error", err))
	}
	if d.lock != nil {
		d.lock.Close()
	}
}
