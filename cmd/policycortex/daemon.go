package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/policycortex/policycortex/actions"
	"github.com/policycortex/policycortex/api"
	"github.com/policycortex/policycortex/engine"
	"github.com/policycortex/policycortex/expr"
	"github.com/policycortex/policycortex/reconciler"
	"github.com/policycortex/policycortex/store"
)

// httpShutdownTimeout bounds the wait for in-flight HTTP requests at
// shutdown.
const httpShutdownTimeout = 10 * time.Second

// daemon is a wired serve process.
type daemon struct {
	log        *slog.Logger
	store      *store.Store
	engine     *engine.Engine
	reconciler *reconciler.Reconciler
	metrics    *reconcileMetrics
	// lock holds DATA_DIR/lock for the daemon's lifetime.
	lock     *os.File
	api      *api.Server
	http     *http.Server
	listener net.Listener
	// httpFailed receives the error that stopped the HTTP server early.
	httpFailed chan error
}

// runServe starts the daemon and blocks until ctx ends or a component
// fails, then shuts down: HTTP first, then the reconciler and the engine,
// which lets running steps finish, then the store.
func runServe(ctx context.Context, opts serveOptions, stderr io.Writer, lookupEnv lookupEnvFunc) error {
	logger, err := newLogger(stderr, opts.logFormat, opts.logLevel)
	if err != nil {
		return err
	}
	d, err := startDaemon(ctx, opts, logger, lookupEnv)
	if err != nil {
		logger.Error("daemon start failed", slog.Any("error", err))
		return err
	}
	err = d.run(ctx)
	d.closeStore()
	logger.Info("daemon stopped")
	return err
}

// startDaemon opens the store, builds every component, listens, restores
// the active snapshot and marks the API ready.
func startDaemon(ctx context.Context, opts serveOptions, logger *slog.Logger, lookupEnv lookupEnvFunc) (*daemon, error) {
	cfg, err := loadServeConfig(opts, lookupEnv)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(cfg.dataDir, 0o700); err != nil {
		return nil, ioError(fmt.Errorf("create data directory: %w", err))
	}
	lock, err := lockDataDir(cfg.dataDir)
	if err != nil {
		return nil, err
	}

	d := &daemon{log: logger, lock: lock}
	dbPath := filepath.Join(cfg.dataDir, "policycortex.db")
	d.store, err = store.Open(ctx, dbPath, store.Options{Logger: logger})
	if err != nil {
		lock.Close()
		return nil, ioError(err)
	}

	if err := d.build(opts, cfg, lookupEnv); err != nil {
		d.closeStore()
		return nil, err
	}
	if err := d.listen(opts.listen, cfg.apiToken != ""); err != nil {
		d.closeStore()
		return nil, err
	}

	go d.serveHTTP()
	if err := d.reconciler.Restore(ctx); errors.Is(err, reconciler.ErrSnapshotInvalid) {
		// Starting lets status show why: the head is evaluated again and
		// rejected with its problems, or activated once it is fixed.
		logger.Error("active policy snapshot no longer valid; starting without an active set", slog.Any("error", err))
	} else if err != nil {
		d.shutdownHTTP()
		d.closeStore()
		return nil, failure(err)
	}
	d.api.SetReady(true)
	logger.Info("daemon started; events are accepted once a policy commit is active",
		slog.String("listen", d.listener.Addr().String()), slog.String("data_dir", cfg.dataDir))
	return d, nil
}

// build creates the expression environment, metrics, engine, reconciler
// and API server around the open store.
func (d *daemon) build(opts serveOptions, cfg serveConfig, lookupEnv lookupEnvFunc) error {
	env, err := expr.NewEnv()
	if err != nil {
		return fmt.Errorf("create expression environment: %w", err)
	}
	registry := prometheus.NewRegistry()
	registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	scripts, err := newScriptRunner(d.log)
	if err != nil {
		return err
	}
	scripts.MemoryLimit = uint64(opts.scriptMemoryMiB) << 20
	scripts.MaxChildren = opts.scriptChildren

	d.engine, err = engine.New(engine.Config{
		Store:         d.store,
		Connectors:    cfg.connectors,
		ActionOptions: actions.Options{Logger: d.log, LookupEnv: lookupEnv, AllowExec: opts.allowExec},
		Env:           env,
		Logger:        d.log,
		Metrics:       engine.NewMetrics(registry),
		Owner:         cfg.owner,
		Workers:       opts.workers,
		Scripts:       scripts,
	})
	if err != nil {
		return err
	}
	d.metrics = newReconcileMetrics(registry)
	d.reconciler, err = reconciler.New(reconciler.Config{
		Repo:         opts.repo,
		Branch:       opts.branch,
		Path:         opts.path,
		DataDir:      cfg.dataDir,
		PollInterval: opts.pollInterval,
		SSHKeyFile:   opts.sshKeyFile,
		TokenFile:    opts.gitTokenFile,
		Store:        countingStore{Store: d.store, metrics: d.metrics},
		Env:          env,
		Logger:       d.log,
		OnActivate:   d.engine.Activate,
		OnPass:       d.metrics.observePass,
	})
	if err != nil {
		return usageError(err)
	}
	d.metrics.registerStatus(registry, d.reconciler.Status)

	d.api, err = api.New(api.Config{
		Engine:        d.engine,
		Store:         d.store,
		Reconciler:    d.reconciler,
		Token:         cfg.apiToken,
		WebhookSecret: cfg.webhookSecret,
		Metrics:       promhttp.HandlerFor(registry, promhttp.HandlerOpts{ErrorLog: slog.NewLogLogger(d.log.Handler(), slog.LevelError)}),
		Logger:        d.log,
	})
	return err
}
