CREATE TABLE t948 (id bigint PRIMARY KEY, name text NOT NULL);
