CREATE TABLE t187 (id bigint PRIMARY KEY, name text NOT NULL);
