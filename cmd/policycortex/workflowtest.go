package main

import (
	"errors"
	"fmt"
	"log/slog"
	"os"

	"github.com/spf13/cobra"

	"github.com/policycortex/policycortex/actions"
	"github.com/policycortex/policycortex/engine"
	"github.com/policycortex/policycortex/schema"
)

// workflowTestOptions are the flags of workflow test.
type workflowTestOptions struct {
	workflowFile string
	testData     string
	dryRun       bool
	verbose      bool
	allowExec    bool
	repo         string
	connectors   string
	output       string
}

func (o workflowTestOptions) validate() error {
	if err := checkChoice("output", o.output, formatText, formatJSON); err != nil {
		return err
	}
	if o.workflowFile == "" {
		return usageErrorf("--workflow-file is required")
	}
	if o.testData == "" {
		return usageErrorf("--test-data is required")
	}
	return nil
}

func newWorkflowTestCmd(lookupEnv lookupEnvFunc) *cobra.Command {
	var opts workflowTestOptions
	cmd := &cobra.Command{
		Use:   "test --workflow-file F --test-data EVENT.json",
		Short: "Run a workflow on a sample event in this process, without a daemon",
		Long: `Run one workflow file on one CloudEvent along the engine's own path:
trigger match, approval rules (reported and treated as granted), step
conditions, templates, scripts and actions. Nothing is stored.

Without --dry-run the actions really run: HTTP requests are sent and
programs are executed, with connectors from --connectors and the
environment. With --dry-run every action prints the request it would send.

Exit code 1 when the event does not match the trigger, a step fails or the
workflow file has errors; 2 for usage or I/O errors.`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := opts.validate(); err != nil {
				return err
			}
			return runWorkflowTest(cmd, opts, lookupEnv)
		},
	}
	cmd.Flags().StringVar(&opts.workflowFile, "workflow-file", "", "workflow file to run (required)")
	cmd.Flags().StringVar(&opts.testData, "test-data", "", "CloudEvents JSON file to run it on (required)")
	cmd.Flags().BoolVar(&opts.dryRun, "dry-run", false, "print each action's request instead of sending it")
	cmd.Flags().BoolVar(&opts.verbose, "verbose", false, "print rendered inputs, requests and outputs")
	cmd.Flags().BoolVar(&opts.allowExec, "allow-exec", false, "let exec actions run their programs (without --dry-run)")
	cmd.Flags().StringVar(&opts.repo, "repo", "", "policy repository root that gives the workflow its actions, conditions and approvers (default: discovered from the file)")
	cmd.Flags().StringVar(&opts.connectors, "connectors", "", "connectors YAML file with endpoints and secrets (default: environment variables only)")
	addOutputFlag(cmd, &opts.output)
	return cmd
}

func runWorkflowTest(cmd *cobra.Command, opts workflowTestOptions, lookupEnv lookupEnvFunc) error {
	stderr := cmd.ErrOrStderr()
	repo, wf, problems, err := schema.LoadWorkflowFile(opts.workflowFile, opts.repo)
	if err != nil {
		return ioError(fmt.Errorf("load workflow %s: %w", opts.workflowFile, err))
	}
	problems.Sort()
	for _, p := range problems {
		fmt.Fprintln(stderr, p.String())
	}
	if errs := problems.Errors(); len(errs) > 0 || wf == nil {
		return failure(fmt.Errorf("workflow %s has %s; fix them before testing", opts.workflowFile, plural(len(errs), "error")))
	}
	event, err := os.ReadFile(opts.testData)
	if err != nil {
		return ioError(fmt.Errorf("read test data: %w", err))
	}
	conn, err := actions.LoadConnectors(opts.connectors, lookupEnv)
	if err != nil {
		return ioError(fmt.Errorf("load connectors: %w", err))
	}

	level := slog.LevelWarn
	if opts.verbose {
		level = slog.LevelInfo
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	scripts, err := newScriptRunner(logger)
	if err != nil {
		return ioError(err)
	}
	testOpts := engine.TestOptions{
		Repo:          repo,
		Workflow:      wf,
		Event:         event,
		Connectors:    conn,
		ActionOptions: actions.Options{Logger: logger, LookupEnv: lookupEnv, AllowExec: opts.allowExec},
		DryRun:        opts.dryRun,
		Verbose:       opts.verbose,
		Scripts:       scripts,
	}
	if opts.output == formatText {
		testOpts.Out = cmd.OutOrStdout()
	}
	report, err := engine.TestWorkflow(cmd.Context(), testOpts)
	if opts.output == formatJSON && report != nil {
		if werr := writeJSON(cmd.OutOrStdout(), report); werr != nil {
			return werr
		}
	}
	return workflowTestError(err, opts.output)
}

// workflowTestError maps a TestWorkflow error to an exit code. In text mode
// a no-match or a failed step was already printed in the report.
func workflowTestError(err error, output string) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, engine.ErrInvalidEvent):
		return ioError(fmt.Errorf("test data: %w", err))
	case errors.Is(err, engine.ErrNoMatch), errors.Is(err, engine.ErrStepFailed):
		if output == formatText {
			return silentFailure()
		}
		return failure(err)
	}
	return failure(err)
}
