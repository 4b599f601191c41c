CREATE TABLE t606 (id bigint PRIMARY KEY, name text NOT NULL);
