package main

import (
	"fmt"

	"github.com/spf13/cobra"
)

func newWorkflowDebugCmd() *cobra.Command {
	var workflow, logLevel string
	var detailed bool
	cmd := &cobra.Command{
		Use:   "debug --workflow W",
		Short: "Not supported yet: turn on detailed logging for one workflow",
		Long: `Not supported yet. The daemon cannot change its logging for one workflow
while it runs, so this command always fails with exit code 1.

Instead, restart the daemon with --log-level debug and filter its logs by
the workflow attribute (every run and step log line carries workflow=NAME),
and inspect runs with "policycortex workflow history" and
"policycortex runs show RUN_ID".`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(*cobra.Command, []string) error {
			if workflow == "" {
				return usageErrorf("--workflow is required")
			}
			if err := checkChoice("log-level", logLevel, "debug", "info", "warn", "error"); err != nil {
				return err
			}
			return failure(fmt.Errorf("workflow debug is not supported yet: the daemon cannot switch on detailed logging for workflow %q at run time; "+
				"restart it with `policycortex serve --log-level debug` and filter its logs by workflow=%s, "+
				"or inspect runs with `policycortex workflow history --workflow %s` and `policycortex runs show RUN_ID`",
				workflow, workflow, workflow))
		},
	}
	cmd.Flags().StringVar(&workflow, "workflow", "", "workflow name (required)")
	cmd.Flags().BoolVar(&detailed, "enable-detailed-logging", false, "log every step input and output of the workflow (not supported yet)")
	cmd.Flags().StringVar(&logLevel, "log-level", "debug", "log level for the workflow: debug, info, warn or error (not supported yet)")
	return cmd
}
