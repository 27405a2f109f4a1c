package actions

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/policycortex/policycortex/schema"
)

// paramValidator checks a user-defined action's rendered parameters
// against the action's parameter schema. Lint checks the literal values at
// activation; this check catches values that only templates produce.
type paramValidator struct {
	action   string
	required []string
	schema   *jsonschema.Schema
	// compileErr is set when the schema does not compile; every call then
	// fails with it.
	compileErr error
}

// newParamValidator compiles def's parameter schema, when it has one.
func newParamValidator(def *schema.ActionDef) *paramValidator {
	v := &paramValidator{action: def.Name, required: def.Required}
	if len(def.ParameterSchema) == 0 {
		return v
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(def.ParameterSchema))
	if err != nil {
		v.compileErr = fmt.Errorf("decode parameter schema: %w", err)
		return v
	}
	location := "actions/" + def.Name + ".parameters.json"
	compiler := jsonschema.NewCompiler()
	// A parameter schema may not load other documents, local files included.
	compiler.UseLoader(refuseLoader{})
	if err := compiler.AddResource(location, doc); err != nil {
		v.compileErr = fmt.Errorf("add parameter schema: %w", err)
		return v
	}
	if v.schema, err = compiler.Compile(location); err != nil {
		v.compileErr = fmt.Errorf("compile parameter schema: %w", err)
	}
	return v
}

// check returns params (an empty map for nil) when they are valid.
func (v *paramValidator) check(params map[string]any) (map[string]any, error) {
	where := "action " + v.action
	if v.compileErr != nil {
		return nil, permanentError(fmt.Sprintf("%s: %v", where, v.compileErr), v.compileErr)
	}
	if params == nil {
		params = map[string]any{}
	}
	for _, name := range v.required {
		if _, ok := params[name]; !ok {
			return nil, permanentError(fmt.Sprintf("%s: parameter %s is required", where, name), nil)
		}
	}
	if v.schema == nil {
		return params, nil
	}
	// The validator takes values as encoding/json decodes them, so the
	// parameters make a round trip through JSON.
	data, err := json.Marshal(params)
	if err != nil {
		return nil, permanentError(fmt.Sprintf("%s: encode parameters as JSON: %v", where, err), nil)
	}
	instance, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return nil, permanentError(fmt.Sprintf("%s: decode parameters: %v", where, err), nil)
	}
	if err := v.schema.Validate(instance); err != nil {
		return nil, permanentError(fmt.Sprintf("%s: invalid parameters: %s", where, validationSummary(err)), nil)
	}
	return params, nil
}

// validationSummary flattens a jsonschema error onto one line, leaving out
// its header line that names the schema file.
func validationSummary(err error) string {
	var verr *jsonschema.ValidationError
	if !errors.As(err, &verr) {
		return err.Error()
	}
	lines := strings.Split(verr.Error(), "\n")
	var parts []string
	for _, line := range lines[1:] {
		if line = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(line), "- ")); line != "" {
			parts = append(parts, line)
		}
	}
	if len(parts) == 0 {
		return lines[0]
	}
	return strings.Join(parts, "; ")
}

// refuseLoader is a jsonschema.URLLoader that loads nothing.
type refuseLoader struct{}

func (refuseLoader) Load(url string) (any, error) {
	return nil, fmt.Errorf("loading %s is not allowed: parameter schemas must be self-contained", url)
}
