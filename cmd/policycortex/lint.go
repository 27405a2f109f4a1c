package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/policycortex/policycortex/schema"
)

// lintProblem is one problem in lint's JSON output.
type lintProblem struct {
	File     string `json:"file"`
	Line     int    `json:"line"`
	Column   int    `json:"column"`
	Severity string `json:"severity"`
	Message  string `json:"message"`
}

// lintReport is lint's JSON output.
type lintReport struct {
	Problems []lintProblem `json:"problems"`
	Errors   int           `json:"errors"`
	Warnings int           `json:"warnings"`
}

func newLintCmd() *cobra.Command {
	var format, repo string
	cmd := &cobra.Command{
		Use:   "lint [--format text|json] [--repo DIR] PATH...",
		Short: "Validate workflow, action and policy files",
		Long: `Validate files of a policy repository the way the daemon does before it
activates a commit. A PATH may be a file or a directory, which is linted
whole. Each file is judged in the context of its repository (the nearest
parent directory with workflows/, actions/ or approvers.yaml, or --repo).

Text output is one "file:line:col: message" line per problem. Warnings are
printed but do not fail. Exit code 0 when no errors, 1 when there are
errors, 2 for usage or I/O errors.`,
		Args: usageArgs(cobra.MinimumNArgs(1)),
		RunE: func(cmd *cobra.Command, paths []string) error {
			if err := checkChoice("format", format, formatText, formatJSON); err != nil {
				return err
			}
			problems, err := schema.Lint(paths, schema.LintOptions{Repo: repo})
			if err != nil {
				return ioError(err)
			}
			return printLint(cmd, problems, format)
		},
	}
	cmd.Flags().StringVar(&format, "format", formatText, "output format: text or json")
	cmd.Flags().StringVar(&repo, "repo", "", "root of the policy repository that gives the files their context (default: discovered from each path)")
	return cmd
}

// printLint prints the problems and returns an exit 1 error when any is an
// error.
func printLint(cmd *cobra.Command, problems schema.Problems, format string) error {
	problems.Sort()
	errorCount := len(problems.Errors())
	warnings := len(problems) - errorCount
	out := cmd.OutOrStdout()
	if format == formatJSON {
		report := lintReport{Problems: lintProblems(problems), Errors: errorCount, Warnings: warnings}
		if report.Problems == nil {
			report.Problems = []lintProblem{}
		}
		if err := writeJSON(out, report); err != nil {
			return err
		}
	} else {
		for _, p := range problems {
			fmt.Fprintln(out, p.String())
		}
		if len(problems) > 0 {
			fmt.Fprintf(cmd.ErrOrStderr(), "%s, %s\n", plural(errorCount, "error"), plural(warnings, "warning"))
		}
	}
	if errorCount > 0 {
		return silentFailure()
	}
	return nil
}

// severityOf returns the problem's severity, treating an empty one as an
// error like Problems.Errors does.
func severityOf(p schema.Problem) schema.Severity {
	if p.Severity == schema.SeverityWarning {
		return schema.SeverityWarning
	}
	return schema.SeverityError
}

// plural formats a count with a noun, adding "s" unless the count is 1.
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
