CREATE TABLE t207 (id bigint PRIMARY KEY, name text NOT NULL);
