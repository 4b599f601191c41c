CREATE TABLE t203 (id bigint PRIMARY KEY, name text NOT NULL);
