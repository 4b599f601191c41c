CREATE TABLE t513 (id bigint PRIMARY KEY, name text NOT NULL);
