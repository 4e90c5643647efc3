#!/usr/bin/env node
/**
 * Compiles the values JSON Schema into plain JavaScript
 * (lib/model/values-validator.js) so the CLI does not compile it with ajv on
 * every start. Run after `tsc`; the schema comes from the built model.
 */
const { writeFileSync } = require('fs');
const { join } = require('path');
const Ajv = require('ajv').default;
const standalone = require('ajv/dist/standalone').default;
const { AJV_OPTIONS } = require('../lib/model/validator-options');
const { valuesSchema } = require('../lib/model/schema');

const ajv = new Ajv({ ...AJV_OPTIONS, code: { source: true } });
const validate = ajv.compile(valuesSchema());
writeFileSync(join(__dirname, '..', 'lib', 'model', 'values-validator.js'), standalone(ajv, validate));
