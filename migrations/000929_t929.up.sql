CREATE TABLE t929 (id bigint PRIMARY KEY, name text NOT NULL);
