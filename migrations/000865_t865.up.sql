CREATE TABLE t865 (id bigint PRIMARY KEY, name text NOT NULL);
