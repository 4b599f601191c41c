CREATE TABLE t183 (id bigint PRIMARY KEY, name text NOT NULL);
