CREATE TABLE t90 (id bigint PRIMARY KEY, name text NOT NULL);
