package main

import (
	"github.com/spf13/cobra"
)

// lookupEnvFunc reads an environment variable. Tests pass a map lookup.
type lookupEnvFunc func(string) (string, bool)

// newRootCmd builds the command tree. lookupEnv supplies the environment:
// flag defaults (POLICYCORTEX_SERVER, POLICYCORTEX_TOKEN_FILE) and the
// variables that connectors files expand.
func newRootCmd(lookupEnv lookupEnvFunc) *cobra.Command {
	root := &cobra.Command{
		Use:   "policycortex",
		Short: "GitOps governance automation: run policy workflows from a Git repository",
		Long: `PolicyCortex follows a Git repository of workflow files, validates and
activates each commit atomically, and runs the workflows on CloudEvents and
schedules with a durable SQLite engine.

Exit codes: 0 success, 1 problems or failures, 2 usage or I/O errors.`,
		Args: usageArgs(cobra.NoArgs),
		// A RunE makes the root runnable, so cobra validates its arguments
		// and an unknown command is a usage error rather than help text.
		RunE:          func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
		SilenceErrors: true,
		SilenceUsage:  true,
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError(err) })
	root.AddCommand(
		newServeCmd(lookupEnv),
		newLintCmd(),
		newEventsCmd(lookupEnv),
		newWorkflowCmd(lookupEnv),
		newRunsCmd(lookupEnv),
		newStatusCmd(lookupEnv),
		newDiffCmd(lookupEnv),
	)
	return root
}

// newGroupCmd builds a command that only holds subcommands. Run without one,
// or with an unknown one, it fails with a usage error.
func newGroupCmd(use, short string, children ...*cobra.Command) *cobra.Command {
	cmd := &cobra.Command{
		Use:   use,
		Short: short,
		Args:  usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return usageErrorf("%s needs a subcommand", cmd.CommandPath())
		},
	}
	cmd.AddCommand(children...)
	return cmd
}

// usageArgs turns the errors of an argument validator into usage errors.
func usageArgs(validate cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := validate(cmd, args); err != nil {
			return usageError(err)
		}
		return nil
	}
}
