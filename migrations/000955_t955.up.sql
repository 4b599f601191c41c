CREATE TABLE t955 (id bigint PRIMARY KEY, name text NOT NULL);
