CREATE TABLE t148 (id bigint PRIMARY KEY, name text NOT NULL);
