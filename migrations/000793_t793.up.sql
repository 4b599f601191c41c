CREATE TABLE t793 (id bigint PRIMARY KEY, name text NOT NULL);
