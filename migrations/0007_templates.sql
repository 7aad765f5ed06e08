-- Industry templates (issue 7, item 8): a text custom field may carry a format that every write
-- is checked against (src/custom-fields/custom-values.ts), e.g. the REGA advertising licence number.
ALTER TABLE `custom_field_definitions` ADD `format` text;
