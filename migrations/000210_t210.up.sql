CREATE TABLE t210 (id bigint PRIMARY KEY, name text NOT NULL);
