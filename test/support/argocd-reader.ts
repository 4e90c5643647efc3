/**
 * A Go oracle of how Argo CD reads a config-management plugin's output
 * (argocd-cmp-server's kube.SplitYAMLToString, then the repo server's
 * kube.SplitYAML and its list unpacking), written from their behaviour:
 *
 * - the stream is JSON when its first non-space character is `{` (a sequence
 *   of JSON values; if the first one fails, the rest is read as YAML), YAML
 *   otherwise;
 * - YAML is cut into documents line by line (apimachinery's YAMLReader): a
 *   line starting with `---` ends a document, and anything but a comment after
 *   the `---` is an error; line ends become `\n`;
 * - each document goes through sigs.k8s.io/yaml (go-yaml v2: merge keys,
 *   anchors, duplicate keys keep the last) to JSON; empty and `null`
 *   documents are dropped;
 * - each object must be a map with a kind;
 * - an object whose `items` is a list stands for its items (each a map),
 *   `Unstructured.IsList()`; `items: null` without `spec` or `status` stands
 *   for nothing; the items are not unpacked again.
 *
 * Input: a JSON array of streams on stdin. Output: a JSON array, per stream
 * `{"objects": [...]}` (what Argo CD deploys) or `{"error": "..."}` (Argo CD
 * fails the render).
 */
import { execFileSync } from 'child_process';

export const ARGOCD_READER = {
  name: 'argocd-reader',
  imports: ['sigs.k8s.io/yaml'],
  source: String.raw`package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"io/ioutil"
	"os"
	"unicode"

	"sigs.k8s.io/yaml"
)

type result struct {
	Error   string        ` + '`json:"error,omitempty"`' + String.raw`
	Objects []interface{} ` + '`json:"objects"`' + String.raw`
}

// lines returns the stream's lines, each ending in a single "\n" ("\r\n" too becomes "\n").
func lines(text []byte) [][]byte {
	var out [][]byte
	for len(text) > 0 {
		i := bytes.IndexByte(text, '\n')
		var line []byte
		if i < 0 {
			line, text = text, nil
		} else {
			line, text = text[:i], text[i+1:]
			if len(line) > 0 && line[len(line)-1] == '\r' {
				line = line[:len(line)-1]
			}
		}
		out = append(out, append(append([]byte{}, line...), '\n'))
	}
	return out
}

// yamlDocuments cuts YAML into documents at lines starting with "---".
func yamlDocuments(text []byte) ([][]byte, error) {
	var docs [][]byte
	var buffer bytes.Buffer
	for _, line := range lines(text) {
		if bytes.HasPrefix(line, []byte("---")) {
			rest := bytes.TrimSpace(line[3:])
			if len(rest) > 0 && rest[0] != '#' {
				return nil, errors.New("invalid Yaml document separator: " + string(rest))
			}
			if buffer.Len() != 0 {
				docs = append(docs, append([]byte{}, buffer.Bytes()...))
				buffer.Reset()
				continue
			}
		}
		buffer.Write(line)
	}
	if buffer.Len() != 0 {
		docs = append(docs, buffer.Bytes())
	}
	return docs, nil
}

// documents returns the JSON text of every document, as argocd-cmp-server passes them on.
func documents(text []byte) ([][]byte, error) {
	var out [][]byte
	rest := text
	if bytes.HasPrefix(bytes.TrimLeftFunc(text, unicode.IsSpace), []byte("{")) {
		d := json.NewDecoder(bytes.NewReader(text))
		count := 0
		consumed := int64(0)
		for {
			var raw json.RawMessage
			err := d.Decode(&raw)
			if err == io.EOF {
				return out, nil
			}
			if err != nil {
				if count > 1 {
					return nil, err
				}
				rest = text[consumed:]
				break
			}
			count++
			consumed = d.InputOffset()
			out = append(out, raw)
		}
	}
	docs, err := yamlDocuments(rest)
	if err != nil {
		return nil, err
	}
	for _, doc := range docs {
		j, err := yaml.YAMLToJSON(doc)
		if err != nil {
			return nil, err
		}
		out = append(out, j)
	}
	return out, nil
}

func read(text []byte) result {
	docs, err := documents(text)
	if err != nil {
		return result{Error: err.Error()}
	}
	objects := []interface{}{}
	for _, doc := range docs {
		doc = bytes.TrimSpace(doc)
		if len(doc) == 0 || bytes.Equal(doc, []byte("null")) {
			continue
		}
		var value interface{}
		if err := json.Unmarshal(doc, &value); err != nil {
			return result{Error: err.Error()}
		}
		object, ok := value.(map[string]interface{})
		if !ok {
			return result{Error: "not an object: " + string(doc)}
		}
		if kind, ok := object["kind"].(string); !ok || kind == "" {
			return result{Error: "Object 'Kind' is missing"}
		}
		items, isList := object["items"].([]interface{})
		_, hasSpec := object["spec"]
		_, hasStatus := object["status"]
		field, hasItems := object["items"]
		switch {
		case isList:
			for _, item := range items {
				if _, ok := item.(map[string]interface{}); !ok {
					return result{Error: "items member is not an object"}
				}
				objects = append(objects, item)
			}
		case hasItems && field == nil && !hasSpec && !hasStatus:
		default:
			objects = append(objects, object)
		}
	}
	return result{Objects: objects}
}

func main() {
	input, err := ioutil.ReadAll(os.Stdin)
	if err != nil {
		panic(err)
	}
	var streams []string
	if err := json.Unmarshal(input, &streams); err != nil {
		panic(err)
	}
	results := make([]result, len(streams))
	for i, s := range streams {
		results[i] = read([]byte(s))
	}
	out, _ := json.Marshal(results)
	os.Stdout.Write(out)
}
`,
};

/** What Argo CD makes of one stream: the objects it deploys, or the error it fails with. */
export type ArgocdReading = { readonly objects: Array<Record<string, unknown>>; readonly error?: undefined } | { readonly error: string };

/** Reads every stream with the oracle built at `binary`, in one run. */
export function readAsArgocd(binary: string, streams: readonly string[]): ArgocdReading[] {
  const out = execFileSync(binary, [], { input: JSON.stringify(streams), maxBuffer: 512 * 1024 * 1024 });
  return (JSON.parse(out.toString('utf8')) as Array<{ error?: string; objects: Array<Record<string, unknown>> | null }>).map((r) =>
    r.error !== undefined ? { error: r.error } : { objects: r.objects ?? [] },
  );
}
