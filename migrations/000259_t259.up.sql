CREATE TABLE t259 (id bigint PRIMARY KEY, name text NOT NULL);
