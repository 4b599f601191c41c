CREATE TABLE t244 (id bigint PRIMARY KEY, name text NOT NULL);
