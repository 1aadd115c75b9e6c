package server

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// Str returns a string input, or def when it is absent.
func Str(m resource.PropertyMap, key, def string) string {
	if v, ok := m[resource.PropertyKey(key)]; ok && v.IsString() {
		return v.StringValue()
	}
	return def
}

// Int returns a number input as an int, or def when it is absent.
func Int(m resource.PropertyMap, key string, def int) int {
	if v, ok := m[resource.PropertyKey(key)]; ok && v.IsNumber() {
		return int(v.NumberValue())
	}
	return def
}

// Bool returns a bool input, or def when it is absent.
func Bool(m resource.PropertyMap, key string, def bool) bool {
	if v, ok := m[resource.PropertyKey(key)]; ok && v.IsBool() {
		return v.BoolValue()
	}
	return def
}

// Strings returns a list-of-strings input (absent: nil).
func Strings(m resource.PropertyMap, key string) []string {
	v, ok := m[resource.PropertyKey(key)]
	if !ok || !v.IsArray() {
		return nil
	}
	var out []string
	for _, e := range v.ArrayValue() {
		if e.IsString() {
			out = append(out, e.StringValue())
		}
	}
	return out
}

// Object returns an object input (absent: an empty map).
func Object(m resource.PropertyMap, key string) resource.PropertyMap {
	if v, ok := m[resource.PropertyKey(key)]; ok && v.IsObject() {
		return v.ObjectValue()
	}
	return resource.PropertyMap{}
}

// SetDefault sets key to value when the input is absent or null.
func SetDefault(m resource.PropertyMap, key string, value any) {
	if v, ok := m[resource.PropertyKey(key)]; !ok || v.IsNull() {
		m[resource.PropertyKey(key)] = resource.NewPropertyValue(value)
	}
}

// Required reports each key that is absent.
func Required(m resource.PropertyMap, keys ...string) []Failure {
	var failures []Failure
	for _, k := range keys {
		if v, ok := m[resource.PropertyKey(k)]; !ok || v.IsNull() {
			failures = append(failures, Failure{k, fmt.Sprintf("missing required property '%s'", k)})
		}
	}
	return failures
}

// Outputs builds a PropertyMap from plain values.
func Outputs(values map[string]any) resource.PropertyMap {
	out := resource.PropertyMap{}
	for k, v := range values {
		out[resource.PropertyKey(k)] = resource.NewPropertyValue(v)
	}
	return out
}
