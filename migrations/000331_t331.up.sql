CREATE TABLE t331 (id bigint PRIMARY KEY, name text NOT NULL);
