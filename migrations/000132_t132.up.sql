CREATE TABLE t132 (id bigint PRIMARY KEY, name text NOT NULL);
