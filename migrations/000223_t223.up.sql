CREATE TABLE t223 (id bigint PRIMARY KEY, name text NOT NULL);
